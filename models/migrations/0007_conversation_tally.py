"""Conversation counts per (workspace, assistant, type, status), kept by the database itself.

A badge (`conversationCount`, `totalCount` filtered by type, status and assistant) sums a handful of
these rows instead of counting conversations, so it costs the same at 10k rows as at 1M. Triggers on
`conversation` keep them in step inside the writing statement's own transaction, whatever writes:
the recording path, the sweeper's bulk UPDATE, imports, seeds, bulk loads, cascaded deletes.

Each group is spread over SLOTS rows, a conversation counted in row `id % SLOTS`: a tally row stays
locked from the write until its transaction commits, and conversations started at the same time
have consecutive ids, so concurrent starts (or ends) of one assistant's chats do not queue behind
each other's whole transaction. A count sums the slots.

PostgreSQL: statement-level triggers over transition tables, so a statement adds one delta per
tally row, not one per conversation; deltas are applied with `ON CONFLICT … DO UPDATE SET n = n +
delta` (exact under concurrent writers) in key order, so two multi-row statements lock tally rows
in the same order and cannot deadlock each other. TRUNCATE empties the tally too. SQLite (one writer
at a time): row-level triggers with the same upsert. Rows that reach 0 stay. The backfill runs after
the triggers exist, with writers locked out until commit, so no row is counted twice or missed.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

SLOTS = 8
KEY = "workspace_id, assistant_id, type, status, slot"
ROW = f"workspace_id, assistant_id, type, status, id % {SLOTS} AS slot"
"""A conversation's tally row: its group, and one of SLOTS rows of it, picked by id."""
UPSERT = f"INSERT INTO conversation_tally AS tally ({KEY}, n)"
ADD = f"ON CONFLICT ({KEY}) DO UPDATE SET n = tally.n + EXCLUDED.n"

POSTGRES_APPLY = f"""
CREATE FUNCTION conversation_tally_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {UPSERT}
        SELECT {KEY}, count(*) FROM (SELECT {ROW} FROM new_rows) AS added
        GROUP BY {KEY} ORDER BY {KEY} {ADD};
    ELSIF TG_OP = 'DELETE' THEN
        {UPSERT}
        SELECT {KEY}, -count(*) FROM (SELECT {ROW} FROM old_rows) AS removed
        GROUP BY {KEY} ORDER BY {KEY} {ADD};
    ELSE
        {UPSERT}
        SELECT {KEY}, sum(delta) FROM (
            SELECT {ROW}, -1 AS delta FROM old_rows
            UNION ALL
            SELECT {ROW}, 1 AS delta FROM new_rows
        ) AS moved
        GROUP BY {KEY} HAVING sum(delta) <> 0 ORDER BY {KEY} {ADD};
    END IF;
    RETURN NULL;
END
$$
"""

POSTGRES_FORWARD = [
    "CREATE TABLE conversation_tally (workspace_id BIGINT NOT NULL, assistant_id BIGINT NOT NULL, "
    "type VARCHAR(16) NOT NULL, status VARCHAR(16) NOT NULL, slot SMALLINT NOT NULL, "
    f"n BIGINT NOT NULL, PRIMARY KEY ({KEY}))",
    POSTGRES_APPLY,
    "CREATE FUNCTION conversation_tally_clear() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN DELETE FROM conversation_tally; RETURN NULL; END $$",
    # Writers wait from here until this migration commits: the backfill sees every row once.
    "LOCK TABLE conversation IN SHARE ROW EXCLUSIVE MODE",
    "CREATE TRIGGER conversation_tally_insert AFTER INSERT ON conversation "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION conversation_tally_apply()",
    "CREATE TRIGGER conversation_tally_update AFTER UPDATE ON conversation "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION conversation_tally_apply()",
    "CREATE TRIGGER conversation_tally_delete AFTER DELETE ON conversation "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION conversation_tally_apply()",
    "CREATE TRIGGER conversation_tally_truncate AFTER TRUNCATE ON conversation "
    "FOR EACH STATEMENT EXECUTE FUNCTION conversation_tally_clear()",
    f"INSERT INTO conversation_tally ({KEY}, n) "
    f"SELECT {KEY}, count(*) FROM (SELECT {ROW} FROM conversation) AS existing GROUP BY {KEY}",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER conversation_tally_truncate ON conversation",
    "DROP TRIGGER conversation_tally_delete ON conversation",
    "DROP TRIGGER conversation_tally_update ON conversation",
    "DROP TRIGGER conversation_tally_insert ON conversation",
    "DROP FUNCTION conversation_tally_clear()",
    "DROP FUNCTION conversation_tally_apply()",
    "DROP TABLE conversation_tally",
]


def _sqlite_add(row: str, delta: int) -> str:
    return (
        f"INSERT INTO conversation_tally ({KEY}, n) VALUES ({row}.workspace_id, "
        f"{row}.assistant_id, {row}.type, {row}.status, {row}.id % {SLOTS}, {delta}) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + excluded.n;"
    )


SQLITE_FORWARD = [
    "CREATE TABLE conversation_tally (workspace_id INTEGER NOT NULL, assistant_id INTEGER NOT NULL, "
    "type VARCHAR(16) NOT NULL, status VARCHAR(16) NOT NULL, slot INTEGER NOT NULL, "
    f"n INTEGER NOT NULL, PRIMARY KEY ({KEY})) WITHOUT ROWID",
    "CREATE TRIGGER conversation_tally_insert AFTER INSERT ON conversation BEGIN "
    f"{_sqlite_add('new', 1)} END",
    "CREATE TRIGGER conversation_tally_update AFTER UPDATE OF workspace_id, assistant_id, type, "
    "status, id ON conversation WHEN old.workspace_id IS NOT new.workspace_id "
    "OR old.assistant_id IS NOT new.assistant_id OR old.type IS NOT new.type "
    "OR old.status IS NOT new.status OR old.id IS NOT new.id "
    f"BEGIN {_sqlite_add('old', -1)} {_sqlite_add('new', 1)} END",
    "CREATE TRIGGER conversation_tally_delete AFTER DELETE ON conversation BEGIN "
    f"{_sqlite_add('old', -1)} END",
    f"INSERT INTO conversation_tally ({KEY}, n) "
    f"SELECT {KEY}, count(*) FROM (SELECT {ROW} FROM conversation) AS existing GROUP BY {KEY}",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER conversation_tally_delete",
    "DROP TRIGGER conversation_tally_update",
    "DROP TRIGGER conversation_tally_insert",
    "DROP TABLE conversation_tally",
]


async def _run(schema_editor: Any, postgres: list[str], sqlite: list[str]) -> None:
    dialect = schema_editor.client.capabilities.dialect
    statements = {"postgres": postgres, "sqlite": sqlite}.get(dialect)
    if statements is None:
        raise RuntimeError(f"conversation counts support PostgreSQL and SQLite, not {dialect}")
    for statement in statements:
        # One statement per call, inside the migration's transaction (on SQLite, executescript
        # would commit first: a writer could then slip in between the triggers and the backfill).
        await schema_editor.client.execute_query(statement)


async def forward(apps: Any, schema_editor: Any) -> None:
    await _run(schema_editor, POSTGRES_FORWARD, SQLITE_FORWARD)


async def backward(apps: Any, schema_editor: Any) -> None:
    await _run(schema_editor, POSTGRES_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("models", "0006_socket_leases")]

    operations = [ops.RunPython(forward, backward)]
