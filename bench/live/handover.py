"""The handover's two latencies, measured while the fan-out phase's load runs (issue #21's
target: p99 ≤ 250 ms across two server processes under that load).

`python -m bench.live.handover --plan PLAN --out OUT`, started by `phases.fan_out` once its
sockets are up: it writes through the writer's `parley serve` and watches through the fan-out's,
so every step crosses processes (PostgreSQL NOTIFY). Round by round, a visitor asks for a person
(its session token) and every inbox badge (an agent's key counting WAITING conversations) must
show it: each badge's time from the request's send to its frame is a sample. Then the agent
takes the conversation over and writes; the visitor's socket (`messageAdded`) must show the
agent's message: its time from the send is a sample.
"""

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.live.http import Connection

PROTOCOL = "graphql-transport-ws"
START = """mutation($a: ID!) { startConversation(input: {assistantId: $a, type: WEB_WIDGET}) {
  sessionToken conversation { id } } }"""
AGENT = "mutation($n: String!) { createAgent(name: $n) { secret } }"
REQUEST = "mutation($id: ID!) { requestPerson(conversationId: $id) { handling } }"
TAKE = "mutation($id: ID!) { takeOver(conversationId: $id) { handling } }"
SAY = """mutation($id: ID!, $n: String!) { sendMessage(input: {conversationId: $id,
  clientMessageId: $n, role: AGENT, content: "Hello, I am here."}) { message { id } } }"""
BADGE = "subscription { conversationCount(filter: {handlings: [WAITING], statuses: [ACTIVE]}) }"
MESSAGES = "subscription($id: ID!) { messageAdded(conversationId: $id) { node { role } } }"


async def _socket(url: str, key: str, query: str, variables: dict[str, Any]) -> ClientConnection:
    socket = await connect(url, subprotocols=[PROTOCOL], ping_interval=None, open_timeout=60)  # type: ignore[list-item]
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}})
    )
    ack = json.loads(await asyncio.wait_for(socket.recv(), 60))
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no ack: {ack}")
    payload = {"query": query, "variables": variables}
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return socket


async def _next(socket: ClientConnection, seconds: float = 30.0) -> tuple[dict[str, Any], float]:
    """The next `next` frame's data and when it came (pings answered)."""
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), seconds))
        if message.get("type") == "ping":
            await socket.send(json.dumps({"type": "pong"}))
            continue
        if message.get("type") != "next":
            raise RuntimeError(f"unexpected frame: {message}")
        return message["payload"]["data"], time.time()


async def _badge_at(socket: ClientConnection, count: int) -> float:
    """When this badge first showed `count`."""
    while True:
        data, at = await _next(socket)
        if data["conversationCount"] == count:
            return at


async def _agent_message_at(socket: ClientConnection) -> float:
    while True:
        data, at = await _next(socket)
        if data["messageAdded"]["node"]["role"] == "AGENT":
            return at


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    writer = Connection(plan["writer"], plan["key"])
    made = await writer.execute(AGENT, {"n": f"Bench agent {time.time():.0f}"})
    agent = Connection(plan["writer"], made["createAgent"]["secret"])
    agent_key = made["createAgent"]["secret"]
    badges = [await _socket(plan["watcher"], agent_key, BADGE, {}) for _ in range(plan["badges"])]
    initial = [(await _next(badge))[0]["conversationCount"] for badge in badges]
    waiting = initial[0]
    to_badge: list[float] = []
    to_visitor: list[float] = []
    for round_ in range(plan["rounds"]):
        started = await writer.execute(START, {"a": plan["assistant"]})
        conversation = started["startConversation"]["conversation"]["id"]
        visitor = Connection(plan["writer"], started["startConversation"]["sessionToken"])
        screen = await _socket(
            plan["watcher"],
            started["startConversation"]["sessionToken"],
            MESSAGES,
            {"id": conversation},
        )
        await asyncio.sleep(0.05)  # subscribed before the first write
        waiting += 1
        sent = time.time()
        seen = asyncio.gather(*(_badge_at(badge, waiting) for badge in badges))
        await visitor.execute(REQUEST, {"id": conversation})
        to_badge += [at - sent for at in await seen]
        await agent.execute(TAKE, {"id": conversation})
        waiting -= 1
        await asyncio.gather(*(_badge_at(badge, waiting) for badge in badges))
        arrives = asyncio.ensure_future(_agent_message_at(screen))
        sent = time.time()
        await agent.execute(SAY, {"id": conversation, "n": f"agent-{round_}"})
        to_visitor.append(await arrives - sent)
        await screen.close()
        await visitor.close()
    for badge in badges:
        await badge.close()
    await writer.close()
    await agent.close()
    return {"to_badge": to_badge, "to_visitor": to_visitor, "badges": len(badges)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.live.handover")
    parser.add_argument("--plan", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    plan = json.loads(Path(args.plan).read_text())
    Path(args.out).write_text(json.dumps(asyncio.run(run(plan))))


if __name__ == "__main__":
    main()
