"""What export and import tests share: a workspace worth exporting, `GET /export` read as JSON
lines, the `parley` CLI against a server, and many conversations written set-wise."""

import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

import httpx

from models.enums import ConversationType
from resolvers.database.sql import db, dialect
from server.export import MESSAGE_PAGE
from tests.support import factories
from tests.support.waiting import bounded

BULK_START = datetime(2025, 1, 1, tzinfo=UTC)
"""When the first conversation `bulk` writes started."""


async def export_workspace(conversations: int, long_one: bool = True) -> tuple[int, str]:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    for i in range(conversations):
        size = MESSAGE_PAGE * 2 + 7 if long_one and i == 3 else 3  # one needs three pages
        messages = [
            factories.reply(f"answer {i}.{n}", i + n / 1000, cost="0.000001")
            if n % 2
            else factories.said(f"question {i}.{n}", i + n / 1000)
            for n in range(size)
        ]
        await factories.conversation(
            workspace_id,
            bot.id,
            minute=i,
            type=ConversationType.TEST if i % 3 == 0 else ConversationType.WEB_WIDGET,
            messages=messages,
            variables=[factories.variable("plan", ["Free", "Business"][i % 2])] if i % 4 else [],
            ended_minute=i + 0.9 if i % 2 else None,
        )
    return workspace_id, key


async def export(
    client: httpx.AsyncClient, key: str, **params: str
) -> tuple[httpx.Response, list[dict[str, Any]]]:
    response = await client.get(
        "/export", params=params, headers={"authorization": f"Bearer {key}"}
    )
    lines = [json.loads(line) for line in response.text.splitlines()] if response.is_success else []
    return response, lines


async def parley(server_url: str, key: str, *command: str) -> tuple[int, str]:
    """`parley <command> --url <server>` with `PARLEY_KEY` set: its exit code and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *command,
        "--url",
        f"http://{server_url}",
        env={**os.environ, "PARLEY_KEY": key},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with bounded(120, f"parley {' '.join(command)} to finish"):
        _, stderr = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def parley_export(server_url: str, key: str, *options: str) -> tuple[int, str]:
    return await parley(server_url, key, "export", *options)


async def bulk(workspace_id: int, assistant_id: int, count: int) -> None:
    """`count` conversations of one message each, written set-wise (the record path would take
    minutes): started a second apart, every third one TEST."""
    if dialect() == "postgres":
        await db().execute_query(
            "INSERT INTO conversation (workspace_id, assistant_id, type, mode, status, "
            "started_at, last_activity_at, message_count, input_tokens, output_tokens, "
            "cached_input_tokens, cost_e12, unpriced_replies) "
            "SELECT $1, $2, CASE WHEN g % 3 = 0 THEN 'TEST' ELSE 'WEB_WIDGET' END, 'CHAT', "
            "'ACTIVE', $3::timestamptz + g * interval '1 second', "
            "$3::timestamptz + g * interval '1 second', 1, 0, 0, 0, g, 0 "
            "FROM generate_series(1, $4::int) g",
            [workspace_id, assistant_id, BULK_START, count],
        )
        await db().execute_query(
            "INSERT INTO message (conversation_id, sequence, role, content, created_at) "
            "SELECT id, 1, 'USER', 'hello ' || id, started_at FROM conversation "
            "WHERE workspace_id = $1",
            [workspace_id],
        )
        return
    moment = "strftime('%Y-%m-%d %H:%M:%S', ?, '+' || n || ' seconds') || '+00:00'"
    base = BULK_START.strftime("%Y-%m-%d %H:%M:%S")
    await db().execute_query(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?) "
        "INSERT INTO conversation (workspace_id, assistant_id, type, mode, status, started_at, "
        "last_activity_at, message_count, input_tokens, output_tokens, cached_input_tokens, "
        "cost_e12, unpriced_replies) "
        f"SELECT ?, ?, CASE WHEN n % 3 = 0 THEN 'TEST' ELSE 'WEB_WIDGET' END, 'CHAT', 'ACTIVE', "
        f"{moment}, {moment}, 1, 0, 0, 0, n, 0 FROM g",
        [count, workspace_id, assistant_id, base, base],
    )
    await db().execute_query(
        "INSERT INTO message (conversation_id, sequence, role, content, created_at) "
        "SELECT id, 1, 'USER', 'hello ' || id, started_at FROM conversation "
        "WHERE workspace_id = ?",
        [workspace_id],
    )
