"""What Parley's `sendMessage` sends PostgreSQL, read from the server's own statement log
(bench/statementlog.py, this database only), beside what the raw reference sends: the check
that the reference writes what Parley writes, and where the event write's shape is read from.

A visitor's message and an assistant reply with usage go through a fresh `parley serve`, then
through the raw reference; each one's write transaction (BEGIN … COMMIT on one backend, the one
that inserts the message) is kept statement by statement.
"""

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench import statementlog
from bench.live.http import Connection
from bench.live.setup import database_name
from bench.live.setup import plain_dsn as plain
from bench.live.writer import SEND
from bench.scale import reference, servers
from bench.scale.load import RAW_USAGE, REPLY
from resolvers.ids import encode_id

LINE = re.compile(r"\[(\d+)\] \S+@(\S+) ")
DRIVER_NOISE = (
    "WITH RECURSIVE typeinfo_tree",
    "SELECT current_setting('jit')",
    "SELECT set_config",
)
"""asyncpg's own look-ups the first time it meets a type: not the write's."""


@dataclass(frozen=True)
class Probe:
    parley: list[list[str]]
    """Parley's write transactions: the visitor's message, then the reply."""
    raw: list[list[str]]
    mirrored: reference.EventWrite | None
    """The shape matching Parley's event write; None when none does (update EVENT_WRITES)."""
    parley_event: list[str]
    used: reference.EventWrite
    """What the raw reference writes its events as: the matched shape, or the one forced."""


def transactions(log: Path, start: int, database: str) -> list[list[str]]:
    """The database's transactions since `start` that insert a message, each statement by
    statement (BEGIN and COMMIT included), in commit order."""
    with log.open("rb") as file:
        file.seek(start)
        text = file.read().decode(errors="replace")
    open_ones: dict[str, list[str]] = {}
    done: list[list[str]] = []
    for line in text.splitlines():
        head = LINE.search(line)
        if head is None or head.group(2) != database:
            continue
        marker = next((m for m in statementlog.ENTRY_MARKERS if m in line), None)
        if marker is None:
            continue
        sql = " ".join(line[line.index(marker) + len(marker) :].split())
        if marker.endswith("execute ") and ": " in sql:
            sql = sql.split(": ", 1)[1]
        if sql.startswith(DRIVER_NOISE):
            continue
        pid, word = head.group(1), sql.split(" ", 1)[0].rstrip(";").upper()
        if word == "BEGIN":
            open_ones[pid] = [sql]
        elif word in ("COMMIT", "ROLLBACK") and pid in open_ones:
            statements = [*open_ones.pop(pid), sql]
            if any("INSERT INTO message" in s for s in statements):
                done.append(statements)
        elif pid in open_ones:
            open_ones[pid].append(sql)
    return done


def event_statements(transaction: list[str]) -> list[str]:
    return [
        s
        for s in transaction
        if "conversation_event" in s or "pg_notify" in s or "UPDATE workspace" in s
    ]


async def _parley_writes(url: str, key: str, conversation: int, tag: str) -> None:
    connection = Connection(url, key)
    try:
        target = encode_id("Conversation", conversation)
        await connection.execute(
            SEND,
            {"input": {"conversationId": target, "clientMessageId": f"{tag}-u", "content": "Hi"}},
        )
        reply = {
            "conversationId": target,
            "clientMessageId": f"{tag}-a",
            "content": "Hello",
            "role": "ASSISTANT",
            "usage": REPLY,
        }
        await connection.execute(SEND, {"input": reply})
    finally:
        await connection.close()


async def _raw_writes(
    url: str, event: reference.EventWrite, workspace: int, conversation: int, tag: str
) -> None:
    connection = await asyncpg.connect(plain(url))
    try:
        for usage, suffix in ((None, "u"), (RAW_USAGE, "a")):
            at = datetime.now(UTC)
            if not await reference.write(
                connection, event, workspace, conversation, f"{tag}-{suffix}", "Hi", usage, at
            ):
                raise RuntimeError("the raw reference's probe write was refused")
    finally:
        await connection.close()


def run(
    url: str,
    key: str,
    workspace: int,
    conversations: list[int],
    logs: Path,
    forced: reference.EventWrite | None = None,
) -> Probe:
    """Parley's writes and the raw reference's (its event write the shape matched to Parley's,
    or `forced`), each warmed up once before it is logged."""
    log = statementlog.log_file()
    if log is None:
        raise RuntimeError("no PostgreSQL log to read statements from (PEER_BENCH_PG_LOG)")
    name = database_name(url)
    with statementlog.logging(url):
        server = servers.parley("probe", url, logs, 1)
        try:
            asyncio.run(_parley_writes(server.http, key, conversations[0], "probe-warm"))
            time.sleep(0.3)
            start = log.stat().st_size
            asyncio.run(_parley_writes(server.http, key, conversations[1], "probe"))
            time.sleep(0.5)
            parley = transactions(log, start, name)
        finally:
            servers.stop(server)
        event = event_statements(parley[-1]) if parley else []
        mirrored = reference.match_shape(event)
        shape = forced or mirrored or reference.TODAY
        asyncio.run(_raw_writes(url, shape, workspace, conversations[2], "probe-warm"))
        start = log.stat().st_size
        asyncio.run(_raw_writes(url, shape, workspace, conversations[3], "probe"))
        time.sleep(0.5)
        raw = transactions(log, start, name)
    return Probe(parley, raw, mirrored, event, shape)
