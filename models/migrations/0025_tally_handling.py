"""The conversation tally learns who handles each conversation and whom it is assigned to: counts
per (workspace, assistant, type, status, handling, assignee), so the inbox's badges (waiting, mine)
and the facets by handling and assignee are summed from it as the type and status ones are, in
time that does not grow with the conversations (a grouped count of the waiting or assigned rows
grows with every conversation ever assigned).

The tally is rebuilt as 0007 built it (read its docstring: slots, statement-level triggers over
transition tables on PostgreSQL, row triggers on SQLite, the backfill with writers locked out),
with two more key columns. `assignee` is 0 for a conversation assigned to nobody (a key column is
never NULL); agents' ids start at 1. Going back rebuilds 0007's tally.

And the indexes of the WAITING_SINCE order, whose rows without a value come last either way: on
PostgreSQL one per direction (an index read backwards puts NULLs first), so every page of either
direction, forwards or backwards, is read in index order as the other orders' are; on SQLite one.
"""

import importlib
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

SLOTS = 8
KEY = "workspace_id, assistant_id, type, status, handling, assignee, slot"
ROW = (
    "workspace_id, assistant_id, type, status, handling, COALESCE(assignee_id, 0) AS assignee, "
    f"id % {SLOTS} AS slot"
)
"""A conversation's tally row: its group, and one of SLOTS rows of it, picked by id."""
UPSERT = f"INSERT INTO conversation_tally AS tally ({KEY}, n)"
ADD = f"ON CONFLICT ({KEY}) DO UPDATE SET n = tally.n + EXCLUDED.n"
BACKFILL = (
    f"INSERT INTO conversation_tally ({KEY}, n) "
    f"SELECT {KEY}, count(*) FROM (SELECT {ROW} FROM conversation) AS existing GROUP BY {KEY}"
)

_0007: Any = importlib.import_module("models.migrations.0007_conversation_tally")

POSTGRES_APPLY = f"""
CREATE OR REPLACE FUNCTION conversation_tally_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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

POSTGRES_TABLE = (
    "CREATE TABLE conversation_tally (workspace_id BIGINT NOT NULL, assistant_id BIGINT NOT NULL, "
    "type VARCHAR(16) NOT NULL, status VARCHAR(16) NOT NULL, handling VARCHAR(16) NOT NULL, "
    f"assignee BIGINT NOT NULL, slot SMALLINT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY ({KEY}))"
)
WAITED = "CREATE INDEX conv_ws_waited ON conversation (workspace_id, waiting_since, id)"
"""ASC NULLS LAST read forwards; DESC NULLS FIRST (an ASC page read backwards) read backwards."""
WAITED_DESC = (
    "CREATE INDEX conv_ws_waited_desc ON conversation "
    "(workspace_id, waiting_since DESC NULLS LAST, id DESC)"
)
"""DESC NULLS LAST read forwards; ASC NULLS FIRST (a DESC page read backwards) read backwards."""

POSTGRES_FORWARD = [
    # Writers wait from here until this migration commits: the backfill sees every row once.
    "LOCK TABLE conversation IN SHARE ROW EXCLUSIVE MODE",
    "DROP TABLE conversation_tally",
    POSTGRES_TABLE,
    POSTGRES_APPLY,  # the triggers call it by name: they count into the new table from here
    BACKFILL,
    WAITED,
    WAITED_DESC,
]
POSTGRES_BACKWARD = [
    "LOCK TABLE conversation IN SHARE ROW EXCLUSIVE MODE",
    "DROP INDEX conv_ws_waited_desc",
    "DROP INDEX conv_ws_waited",
    *_0007.POSTGRES_BACKWARD,
    *_0007.POSTGRES_FORWARD,
]


def _sqlite_add(row: str, delta: int) -> str:
    return (
        f"INSERT INTO conversation_tally ({KEY}, n) VALUES ({row}.workspace_id, "
        f"{row}.assistant_id, {row}.type, {row}.status, {row}.handling, "
        f"COALESCE({row}.assignee_id, 0), {row}.id % {SLOTS}, {delta}) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + excluded.n;"
    )


_SQLITE_COUNTED = (
    "workspace_id",
    "assistant_id",
    "type",
    "status",
    "handling",
    "assignee_id",
    "id",
)
SQLITE_FORWARD = [
    *_0007.SQLITE_BACKWARD,
    "CREATE TABLE conversation_tally (workspace_id INTEGER NOT NULL, assistant_id INTEGER NOT NULL, "
    "type VARCHAR(16) NOT NULL, status VARCHAR(16) NOT NULL, handling VARCHAR(16) NOT NULL, "
    "assignee INTEGER NOT NULL, slot INTEGER NOT NULL, "
    f"n INTEGER NOT NULL, PRIMARY KEY ({KEY})) WITHOUT ROWID",
    "CREATE TRIGGER conversation_tally_insert AFTER INSERT ON conversation BEGIN "
    f"{_sqlite_add('new', 1)} END",
    f"CREATE TRIGGER conversation_tally_update AFTER UPDATE OF {', '.join(_SQLITE_COUNTED)} "
    "ON conversation WHEN "
    + " OR ".join(f"old.{column} IS NOT new.{column}" for column in _SQLITE_COUNTED)
    + f" BEGIN {_sqlite_add('old', -1)} {_sqlite_add('new', 1)} END",
    "CREATE TRIGGER conversation_tally_delete AFTER DELETE ON conversation BEGIN "
    f"{_sqlite_add('old', -1)} END",
    BACKFILL,
    WAITED,
]
SQLITE_BACKWARD = [
    "DROP INDEX conv_ws_waited",
    *_0007.SQLITE_BACKWARD,
    *_0007.SQLITE_FORWARD,
]


async def forward(apps: Any, schema_editor: Any) -> None:
    await _0007._run(schema_editor, POSTGRES_FORWARD, SQLITE_FORWARD)


async def backward(apps: Any, schema_editor: Any) -> None:
    await _0007._run(schema_editor, POSTGRES_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("models", "0024_event_model_named_event")]

    operations = [ops.RunPython(forward, backward)]
