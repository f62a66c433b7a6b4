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


async def tables(client: BaseDBAsyncClient) -> list[str]:
    """Every table of the current schema but the migrations' record; on SQLite in an order that
    empties a table before the ones it references (PostgreSQL truncates them all at once)."""
    if client.capabilities.dialect == "postgres":
        rows = await client.execute_query_dict(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> $1 ORDER BY tablename",
            [MIGRATIONS_TABLE],
        )
        return [row["tablename"] for row in rows]
    # Virtual tables (full-text search) and their shadow tables follow their content table
    # through its triggers: they are not emptied by hand.
    rows = await client.execute_query_dict(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ? ORDER BY name",
        [MIGRATIONS_TABLE],
    )
    names = [row["name"] for row in rows]
    edges = await client.execute_query_dict(
        'SELECT t.name AS child, f."table" AS parent FROM pragma_table_list t '
        "JOIN pragma_foreign_key_list(t.name) f WHERE t.schema = 'main' AND t.type = 'table'"
    )
    order: TopologicalSorter[str] = TopologicalSorter({name: set() for name in names})
    for edge in edges:
        if edge["child"] != edge["parent"] and edge["parent"] in names:
            order.add(edge["parent"], edge["child"])  # the child is emptied first
    return list(order.static_order())


async def empty(client: BaseDBAsyncClient) -> None:
    """Empties every table (ids restart too, on PostgreSQL)."""
    names = await tables(client)
    if client.capabilities.dialect == "postgres":
        quoted = ", ".join(f'"{name}"' for name in names)
        await client.execute_script(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        return
    deletes = "".join(f'DELETE FROM "{name}";' for name in names)
    # Twice: a table's delete triggers may write into a table emptied before it (the badge
    # tallies count conversations down).
    await client.execute_script(deletes + deletes)
