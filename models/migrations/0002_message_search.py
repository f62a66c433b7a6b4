"""Full-text search over message content, in each database's own engine.

PostgreSQL: a GIN index on a `simple` tsvector. SQLite: an FTS5 table kept in step by triggers.
Both see the same words: runs of letters and digits (`resolvers/search.py` splits queries alike).
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

# Must stay identical to the expression in resolvers/search.py, or the index is not used.
PG_DOCUMENT = "to_tsvector('simple', regexp_replace(content, '[^[:alnum:]]+', ' ', 'g'))"

POSTGRES_FORWARD = [f"CREATE INDEX message_content_fts ON message USING GIN ({PG_DOCUMENT})"]
POSTGRES_BACKWARD = ["DROP INDEX message_content_fts"]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE message_fts USING fts5(content, content='message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN "
    "INSERT INTO message_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF content ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, content) VALUES ('delete', old.id, old.content); "
    "INSERT INTO message_fts(rowid, content) VALUES (new.id, new.content); END",
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER message_fts_update",
    "DROP TRIGGER message_fts_delete",
    "DROP TRIGGER message_fts_insert",
    "DROP TABLE message_fts",
]


async def _run(schema_editor: Any, postgres: list[str], sqlite: list[str]) -> None:
    dialect = schema_editor.client.capabilities.dialect
    statements = {"postgres": postgres, "sqlite": sqlite}.get(dialect)
    if statements is None:
        raise RuntimeError(f"message search supports PostgreSQL and SQLite, not {dialect}")
    for statement in statements:
        await schema_editor.client.execute_script(statement)


async def forward(apps: Any, schema_editor: Any) -> None:
    await _run(schema_editor, POSTGRES_FORWARD, SQLITE_FORWARD)


async def backward(apps: Any, schema_editor: Any) -> None:
    await _run(schema_editor, POSTGRES_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [ops.RunPython(forward, backward)]
