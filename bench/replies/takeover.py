"""3. The process that holds a turn is killed (SIGKILL) while its reply streams: how long until
the visitor's socket is told how the reply ended, and how long until the database holds the turn
ended; and never a second reply to the visitor's message.

Two `parley engine` processes run; the one whose pid the turn's `claimed_by` names is killed, a
fresh one takes its place after each trial. The bench reads the turn and the messages with its
own connection (reads only)."""

import asyncio
import json
import os
import signal
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from websockets.asyncio.client import ClientConnection

from bench.live.http import Connection
from bench.replies.clients import SAY, _subscribe

PIECES_BEFORE_KILL = 5
AFTER_END_SECONDS = 5.0
"""How long the bench keeps looking for a second reply after the first ended."""
BOUND_SECONDS = 90.0


@dataclass(frozen=True)
class Trial:
    to_socket: float | None
    """Seconds from the kill to the socket's last chunk of the reply (None: it never came)."""
    to_turn_ended: float | None
    """Seconds from the kill to the turn's row leaving RUNNING."""
    final_state: str | None
    turn_states: list[str]
    replies_to_message: int
    """Assistant messages after the visitor's message (more than one would be a repeat)."""
    provider_requests: int
    killed_pid: int


def _plain(url: str) -> str:
    parts = urlsplit(url)
    return f"postgresql://{parts.netloc}{parts.path}"


async def _turn(connection: asyncpg.Connection, conversation_pk: int) -> Any:
    return await connection.fetchrow(
        "SELECT id, state, claimed_by FROM turn WHERE conversation_id = $1 "
        "ORDER BY id DESC LIMIT 1",
        conversation_pk,
    )


async def _chunk(socket: ClientConnection) -> dict[str, Any]:
    """The next replyChunks payload (pings answered); anything else is an error."""
    while True:
        frame = json.loads(await socket.recv())
        if frame.get("type") == "ping":
            await socket.send('{"type":"pong"}')
            continue
        if frame.get("type") != "next":
            raise RuntimeError(f"the socket was sent {frame}")
        chunk: dict[str, Any] = frame["payload"]["data"]["replyChunks"]
        return chunk


async def _provider_requests(provider_url: str) -> int:
    """How many requests the provider has had (its `GET /requests`)."""
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", int(provider_url.rsplit(":", 1)[-1])
    )
    writer.write(b"GET /requests HTTP/1.1\r\nHost: provider\r\nConnection: close\r\n\r\n")
    body = (await reader.read()).split(b"\r\n\r\n", 1)[1]
    writer.close()
    return int(json.loads(body)["requests"])


async def trial(
    database_url: str,
    graphql: tuple[str, str],
    conversation: tuple[str, int, str],
    engine_pids: set[int],
    provider_url: str,
) -> Trial:
    """One kill: `conversation` is (global id, primary key, session token)."""
    http, ws = graphql
    conversation_id, pk, token = conversation
    db = await asyncpg.connect(_plain(database_url))
    socket = await _subscribe(ws, token, conversation_id)
    sender = Connection(http, token)
    requests_before = await _provider_requests(provider_url)
    try:
        await asyncio.sleep(1.0)
        payload = {"conversationId": conversation_id, "clientMessageId": "kill", "content": "Hi"}
        said = await sender.execute(SAY, {"input": payload})
        sequence = said["sendMessage"]["message"]["sequence"]
        pieces = 0
        while pieces < PIECES_BEFORE_KILL:
            chunk = await asyncio.wait_for(_chunk(socket), BOUND_SECONDS)
            pieces += bool(chunk["text"]) and chunk["state"] == "STREAMING"
        turn = await _turn(db, pk)
        holder = int(str(turn["claimed_by"]).split(":")[1])
        if holder not in engine_pids:
            raise RuntimeError(f"the turn is held by {holder}, not one of {engine_pids}")
        os.kill(holder, signal.SIGKILL)
        killed = time.monotonic()

        async def socket_end() -> tuple[float, str]:
            while True:
                chunk = await _chunk(socket)
                if chunk["state"] != "STREAMING":
                    return time.monotonic() - killed, chunk["state"]

        async def turn_end() -> float:
            while (await _turn(db, pk))["state"] == "RUNNING":  # noqa: ASYNC110 (another process's row)
                await asyncio.sleep(0.05)
            return time.monotonic() - killed

        try:
            (to_socket, state), to_turn = await asyncio.wait_for(
                asyncio.gather(socket_end(), turn_end()), BOUND_SECONDS
            )
        except TimeoutError:
            to_socket, state, to_turn = None, None, None
        await asyncio.sleep(AFTER_END_SECONDS)
        replies = await db.fetchval(
            "SELECT count(*) FROM message WHERE conversation_id = $1 AND role = 'ASSISTANT' "
            "AND sequence > $2",
            pk,
            sequence,
        )
        states = [
            row["state"]
            for row in await db.fetch(
                "SELECT state FROM turn WHERE conversation_id = $1 ORDER BY id", pk
            )
        ]
        requests = await _provider_requests(provider_url) - requests_before
    finally:
        await sender.close()
        await socket.close()
        await db.close()
    return Trial(to_socket, to_turn, state, states, int(replies), requests, holder)
