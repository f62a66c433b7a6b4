"""The load generators, each run as its own process so its CPU is never the server's:

    python -m bench.replies.clients writer  PLAN OUT   # openReply, appendReply × N, finishReply
    python -m bench.replies.clients watcher PLAN OUT   # one replyChunks socket per conversation
    python -m bench.replies.clients visitor PLAN OUT   # sendMessage, then wait for the engine
                                                       # (timed: read the provider's pieces so)

The writer puts, in each piece it appends, the piece's number and the wall-clock time just before
its POST, modulo WRAP seconds (`017:4321.1234|`), so the watcher reads from every piece it is
handed when it was sent, and which pieces came, in what order. The watcher prints `ready` once
every socket is subscribed and exits when every reply it watches has ended (or `--timeout`
passes).
"""

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.live.http import Connection, GraphQLError

PROTOCOL = Subprotocol("graphql-transport-ws")
WRAP = 10_000
"""A piece carries its send time modulo this many seconds: 200 pieces of 15 characters stay
within a reply's 4,000."""
OPEN = "mutation($input: OpenReplyInput!) { openReply(input: $input) { message { id } } }"
APPEND = "mutation($input: AppendReplyInput!) { appendReply(input: $input) { length } }"
FINISH = (
    "mutation($input: FinishReplyInput!) { finishReply(input: $input) "
    "{ message { state content } } }"
)
SAY = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { sequence } } }"
CHUNKS = (
    "subscription($id: ID!) { replyChunks(conversationId: $id) { messageId offset text state } }"
)


# The writer: one keep-alive connection and one reply per conversation, paced.


async def _write_one(plan: dict[str, Any], conversation: str, lane: int) -> dict[str, Any]:
    connection = Connection(plan["url"], plan["key"])
    rate, chunks = plan["rate"], plan["chunks"]
    late = errors = 0
    began = 0.0
    try:
        await asyncio.sleep(lane / len(plan["conversations"]) / rate)  # spread the lanes
        began = time.monotonic()
        opened = await connection.execute(
            OPEN, {"input": {"conversationId": conversation, "clientMessageId": "bench-reply"}}
        )
        reply = opened["openReply"]["message"]["id"]
        length, parts = 0, []
        due = time.monotonic()
        for n in range(chunks):
            due += 1 / rate
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -0.5 / rate:
                late += 1
            text = f"{n:03d}:{time.time() % WRAP:.4f}|"
            try:
                answer = await connection.execute(
                    APPEND, {"input": {"messageId": reply, "offset": length, "text": text}}
                )
            except GraphQLError:
                errors += 1
                continue
            length = answer["appendReply"]["length"]
            parts.append(text)
        finished = await connection.execute(
            FINISH, {"input": {"messageId": reply, "length": length}}
        )
        message = finished["finishReply"]["message"]
    finally:
        await connection.close()
    return {
        "conversation": conversation,
        "text": "".join(parts),
        "recorded": message["content"],
        "state": message["state"],
        "late": late,
        "errors": errors,
        "seconds": time.monotonic() - began,
    }


async def writer(plan: dict[str, Any]) -> dict[str, Any]:
    began = time.time()
    replies = await asyncio.gather(
        *(_write_one(plan, c, lane) for lane, c in enumerate(plan["conversations"]))
    )
    return {"began": began, "ended": time.time(), "replies": replies}


# The watcher: what each socket is handed, piece by piece.


@dataclass
class Watched:
    conversation: str
    shown: str = ""
    pieces: list[int] = field(default_factory=list)
    """The writer's number of each piece handed, in the order handed."""
    latencies: list[float] = field(default_factory=list)
    """Seconds from the writer's POST to this socket's receipt, per piece."""
    repeated_chunks: int = 0
    gap_chunks: int = 0
    final_text: str | None = None
    final_state: str | None = None
    ended_at: float | None = None
    timed: bool = True
    """Its pieces carry the writer's number and time (the engine's do not)."""


def _handed(watched: Watched, chunk: dict[str, Any], now: float) -> None:
    text, offset = chunk["text"], chunk["offset"]
    if chunk["state"] != "STREAMING":
        watched.final_text, watched.final_state, watched.ended_at = text, chunk["state"], now
        return
    if offset == 0:
        watched.shown = text  # the text so far (a reply's first chunk is its empty start)
    elif offset == len(watched.shown):
        watched.shown += text
    elif offset < len(watched.shown):
        watched.repeated_chunks += 1
        return
    else:
        watched.gap_chunks += 1
        return
    if not watched.timed:
        return
    for token in text.split("|"):
        if token:
            number, _, sent = token.partition(":")
            watched.pieces.append(int(number))
            watched.latencies.append((now - float(sent)) % WRAP)


async def _subscribe(url: str, token: str, conversation: str) -> ClientConnection:
    socket = await connect(url, subprotocols=[PROTOCOL], ping_interval=None, open_timeout=60)
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await socket.send(json.dumps(init))
    ack = json.loads(await asyncio.wait_for(socket.recv(), 60))
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no ack: {ack}")
    payload = {"query": CHUNKS, "variables": {"id": conversation}}
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return socket


async def _read(socket: ClientConnection, watched: Watched, ends: int) -> None:
    """Reads until `ends` replies have ended on this socket."""
    async for raw in socket:
        now = time.time()
        message = json.loads(raw)
        if message.get("type") == "ping":
            await socket.send('{"type":"pong"}')
            continue
        if message.get("type") != "next":
            raise RuntimeError(f"{watched.conversation}: {message}")
        _handed(watched, message["payload"]["data"]["replyChunks"], now)
        if watched.final_state is not None:
            ends -= 1
            if ends == 0:
                return
            watched.final_state = None


async def watcher(plan: dict[str, Any]) -> dict[str, Any]:
    entries = plan["watch"]
    sockets = await asyncio.gather(*(_subscribe(plan["ws"], t, c) for c, t in entries))
    watched = [Watched(conversation) for conversation, _ in entries]
    await asyncio.sleep(1.0)  # the server starts each subscription after its frame is read
    print("ready", flush=True)
    try:
        await asyncio.wait_for(
            asyncio.gather(*(_read(s, w, 1) for s, w in zip(sockets, watched, strict=True))),
            plan["timeout"],
        )
        timed_out = False
    except TimeoutError:
        timed_out = True
    for socket in sockets:
        await socket.close()
    return {"timed_out": timed_out, "watched": [asdict(w) for w in watched]}


# The visitor: a message, then the engine's whole reply, and again.


async def _visit(plan: dict[str, Any], conversation: str, token: str) -> list[dict[str, Any]]:
    socket = await _subscribe(plan["ws"], token, conversation)
    turns = []
    began = time.time()
    try:
        await asyncio.sleep(1.0)
        for n in range(plan["turns"]):
            sent = time.time()
            said = {"conversationId": conversation, "clientMessageId": f"v{began}-{n}"}
            connection = Connection(plan["url"], token)  # one per turn: a reply outlasts keep-alive
            try:
                await connection.execute(SAY, {"input": {**said, "content": "Hi"}})
            finally:
                await connection.close()
            watched = Watched(conversation, timed=plan.get("timed", False))
            await asyncio.wait_for(_read(socket, watched, 1), plan["timeout"])
            turn: dict[str, Any] = {"seconds": time.time() - sent, "state": watched.final_state}
            if watched.timed:  # the fake provider's pieces carry their number and time
                turn |= {
                    "pieces": watched.pieces,
                    "latencies": watched.latencies,
                    "text_differs": watched.shown != watched.final_text,
                    "repeated_chunks": watched.repeated_chunks,
                    "gap_chunks": watched.gap_chunks,
                }
            turns.append(turn)
    finally:
        await socket.close()
    return turns


async def visitor(plan: dict[str, Any]) -> dict[str, Any]:
    began = time.time()
    turns = await asyncio.gather(*(_visit(plan, c, t) for c, t in plan["watch"]))
    return {"began": began, "ended": time.time(), "turns": [t for ts in turns for t in ts]}


ROLES = {"writer": writer, "watcher": watcher, "visitor": visitor}


def main() -> None:
    role, plan_file, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    plan = json.loads(plan_file.read_text())
    result = asyncio.run(ROLES[role](plan))
    out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
