"""Which database this run tests, and emptying it between tests.

The tables are read from the database itself, so a table a new migration adds is emptied too
without anyone listing it (the migrations' own record is kept).
"""

import os
from graphlib import TopologicalSorter

from tortoise.backends.base.client import BaseDBAsyncClient

BACKEND = os.environ.get("PARLEY_TEST_DATABASE", "sqlite")
"""`sqlite` or `postgres`: the database of this run (`make test` runs the suite once for each)."""
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
MIGRATIONS_TABLE = "tortoise_migrations"
"""Where Tortoise records the migrations applied: never emptied."""

POSTGRES_TABLES = (
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() "
    "AND tablename <> $1"
)
POSTGRES_REFERENCES = (
    "SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint c "
    "JOIN pg_class child ON child.oid = c.conrelid "
    "JOIN pg_class parent ON parent.oid = c.confrelid "
    "JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' "
    "AND n.nspname = current_schema()"
)
POSTGRES_RESTART = (
    "SELECT setval(s.oid, 1, false) FROM pg_class s "
    "JOIN pg_namespace n ON n.oid = s.relnamespace "
    "JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
    "JOIN pg_class t ON t.oid = d.refobjid "
    f"WHERE s.relkind = 'S' AND n.nspname = current_schema() AND t.relname <> '{MIGRATIONS_TABLE}'"
)
"""Every id sequence of the tables emptied starts again at 1 (one statement, no files)."""
# Virtual tables (full-text search) and their shadow tables follow their content table through
# its triggers: they are not emptied by hand.
SQLITE_TABLES = (
    "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
    "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?"
)
SQLITE_REFERENCES = (
    'SELECT t.name AS child, f."table" AS parent FROM pragma_table_list t '
    "JOIN pragma_foreign_key_list(t.name) f WHERE t.schema = 'main' AND t.type = 'table'"
)


async def tables(client: BaseDBAsyncClient) -> list[str]:
    """Every table of the current schema but the migrations' record, each before the tables it
    references."""
    postgres = client.capabilities.dialect == "postgres"
    found = await client.execute_query_dict(
        POSTGRES_TABLES if postgres else SQLITE_TABLES, [MIGRATIONS_TABLE]
    )
    names = sorted(row["name"] for row in found)
    references = await client.execute_query_dict(
        POSTGRES_REFERENCES if postgres else SQLITE_REFERENCES
    )
    order: TopologicalSorter[str] = TopologicalSorter({name: set() for name in names})
    for reference in references:
        child, parent = reference["child"], reference["parent"]
        if child != parent and child in names and parent in names:
            order.add(parent, child)  # the child is emptied first
    return list(order.static_order())


async def empty(client: BaseDBAsyncClient) -> None:
    """Empties every table (ids restart too, on PostgreSQL).

    Only tables holding a row are emptied (TRUNCATE costs milliseconds a table however empty it
    is), with DELETE, children first; then whatever a delete's triggers wrote meanwhile (the
    badge tallies count conversations down)."""
    names = await tables(client)
    for _ in range(2):
        holding = await client.execute_query_dict(
            " UNION ALL ".join(
                f'SELECT {index} AS place WHERE EXISTS (SELECT 1 FROM "{name}")'
                for index, name in enumerate(names)
            )
        )
        used = [names[index] for index in sorted(row["place"] for row in holding)]
        if not used:
            break
        await client.execute_script("".join(f'DELETE FROM "{name}";' for name in used))
    if client.capabilities.dialect == "postgres":
        await client.execute_query(POSTGRES_RESTART)
