"""The writer: `python -m bench.live.writer --plan writer.json --out done.json`, its own process.

It sends `sendMessage` (with a secret key, round robin over the widgets' conversations) at a
steady rate, each message carrying the time it was sent, and starts TEST conversations one at a
time at another rate; the k-th start's `startedAt` is when the dashboards' count became k (set
before the commit, so latencies measured from it are never flattering). Each message's answer
time is logged too: it comes after the commit, so latency from it is a lower bound."""

import argparse
import asyncio
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.live.http import Connection
from bench.live.setup import START

SEND = (
    "mutation($input: SendMessageInput!) { sendMessage(input: $input) "
    "{ message { sequence createdAt } } }"
)
LANES = 8
"""Connections sending messages at once: enough that one slow write never stalls the pace."""


async def send_messages(plan: dict[str, Any], deadline: float) -> dict[str, Any]:
    rate = float(plan["message_rate"])
    conversations: list[str] = plan["conversations"]
    done: dict[str, Any] = {"sent": 0, "errors": 0, "late": 0, "answered": {}}
    queue: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
    start = time.time()

    async def lane() -> None:
        connection = Connection(plan["url"], plan["key"])
        try:
            while True:
                index, _due = await queue.get()
                conversation = conversations[index % len(conversations)]
                content = f"t={time.time():.6f} message {index} of the live bench"
                variables = {
                    "input": {
                        "conversationId": conversation,
                        "clientMessageId": f"bench-{index}",
                        "content": content,
                    }
                }
                try:
                    await connection.execute(SEND, variables)
                    done["answered"][index] = time.time()  # after its commit
                    done["sent"] += 1
                except Exception:  # counted, the pace goes on
                    done["errors"] += 1
                    await connection.close()
                queue.task_done()
        finally:
            await connection.close()

    lanes = [asyncio.create_task(lane()) for _ in range(LANES)]
    index = 0
    while (due := start + index / rate) < deadline:
        await asyncio.sleep(max(0.0, due - time.time()))
        if queue.qsize() > LANES:
            done["late"] += 1
        queue.put_nowait((index, due))
        index += 1
    await queue.join()
    for task in lanes:
        task.cancel()
    await asyncio.gather(*lanes, return_exceptions=True)
    return done


async def start_conversations(plan: dict[str, Any], deadline: float) -> list[tuple[int, float]]:
    rate = float(plan["start_rate"])
    committed: list[tuple[int, float]] = []
    if rate <= 0:
        return committed
    connection = Connection(plan["url"], plan["key"])
    start = time.time()
    try:
        k = 0
        while (due := start + k / rate) < deadline:
            await asyncio.sleep(max(0.0, due - time.time()))
            data = await connection.execute(
                START, {"input": {"assistantId": plan["assistant"], "type": "TEST"}}
            )
            k += 1
            started = data["startConversation"]["conversation"]["startedAt"]
            committed.append((k, datetime.fromisoformat(started).timestamp()))
    finally:
        await connection.close()
    return committed


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    deadline = time.time() + float(plan["seconds"])
    messages, starts = await asyncio.gather(
        send_messages(plan, deadline), start_conversations(plan, deadline)
    )
    return {**messages, "starts": starts}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    result = asyncio.run(run(json.loads(args.plan.read_text())))
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
