"""`python -m tests.support.upgrade DATABASE_URL FROM`: migrates an empty database to migration
FROM, writes a record of every table that has a row of each kind a later migration adds a
column to (a workspace, an assistant, a conversation and a message), migrates it to the latest,
and prints the columns later migrations gave those rows, as JSON. A process of its own: Tortoise's
state is global."""

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.migrations.api import migrate

from models.config import tortoise_config

FILLERS = {"int": 0, "big": 0, "sma": 0, "tim": "2026-01-01T00:00:00+00:00", "jso": "[]"}


async def _columns(client: BaseDBAsyncClient, table: str) -> list[tuple[str, str, bool]]:
    """(name, type, needs a value) of the table's columns."""
    if client.capabilities.dialect == "postgres":
        rows = await client.execute_query_dict(
            "SELECT column_name AS name, data_type AS type, "
            "(is_nullable = 'NO' AND column_default IS NULL) AS needed "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = $1",
            [table],
        )
        return [(r["name"], r["type"], bool(r["needed"])) for r in rows]
    rows = await client.execute_query_dict(f"PRAGMA table_info({table})")
    return [(r["name"], r["type"], bool(r["notnull"]) and r["dflt_value"] is None) for r in rows]


async def _insert(client: BaseDBAsyncClient, table: str, **given: Any) -> int:
    postgres = client.capabilities.dialect == "postgres"
    values: dict[str, Any] = {}
    for name, kind, needed in await _columns(client, table):
        if name in given:
            values[name] = given[name]
        elif needed and name != "id":
            values[name] = FILLERS.get(kind.lower()[:3], "x")
        if postgres and kind.startswith("timestamp") and name in values:
            values[name] = datetime(2026, 1, 1, tzinfo=UTC)  # asyncpg takes times as times
    marks = [f"${n + 1}" if postgres else "?" for n in range(len(values))]
    sql = f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(marks)}) RETURNING id"
    rows = await client.execute_query_dict(sql, list(values.values()))
    return int(rows[0]["id"])


async def main(url: str, start: str) -> None:
    config = tortoise_config(url)
    await migrate(config=config, target=f"models.{start}")
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    client = Tortoise.get_connection("default")
    workspace = await _insert(client, "workspace")
    assistant = await _insert(client, "assistant", workspace_id=workspace)
    conversation = await _insert(
        client, "conversation", workspace_id=workspace, assistant_id=assistant
    )
    await _insert(client, "message", conversation_id=conversation, sequence=1)
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.init(config=config)
    client = Tortoise.get_connection("default")
    assistants = await client.execute_query_dict("SELECT widget_mode FROM assistant")
    messages = await client.execute_query_dict("SELECT state, streamed_at FROM message")
    await Tortoise.close_connections()
    print(json.dumps({"assistant": assistants, "message": messages}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
