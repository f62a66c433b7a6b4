"""The writers: `python -m bench.scale.load --plan plan.json --out out.json`, a process of its
own so that its CPU is never the server's.

`lanes` writers, each as fast as it is answered: a visitor's message, then an assistant reply
with usage, to a conversation picked at random among the plan's (one workspace), again and
again until the window ends. The target is Parley (`sendMessage` over keep-alive HTTP,
bench/live/http.py) or the raw reference (one asyncpg connection per lane,
bench/scale/reference.py). Every process of one measurement starts at the plan's `begin_at`,
counts the messages answered inside [begin_at + warmup, + seconds] and stops.

Each message's content carries the time it was sent and its number (`t=… message N …`, as
bench/live/client.py reads it), and with `start_rate` the process also starts TEST
conversations (bench/live/writer.py), logging when each was committed, for the dashboards.
"""

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.live.http import Connection
from bench.live.writer import SEND, start_conversations
from bench.scale import reference
from resolvers.ids import encode_id

REPLY = {
    "provider": "openai",
    "model": "gpt-4o",
    "inputTokens": 1200,
    "outputTokens": 80,
    "cachedInputTokens": 600,
    "cost": "0.00305",
}
"""The usage every reply carries; the raw reference writes the same (its cost in 10⁻¹² USD)."""
RAW_USAGE = reference.Usage("openai", "gpt-4o", 1200, 80, 600, 3_050_000_000)
ANSWER = "Your order ships tomorrow; here is the tracking link."


class Tally:
    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end
        self.counted = 0
        self.errors = 0
        self.first_error = ""
        self.index = 0
        self.answered: dict[int, float] = {}

    def content(self) -> tuple[int, str]:
        self.index += 1
        return self.index, f"t={time.time():.6f} message {self.index} of the scale bench"

    def done(self, index: int) -> None:
        now = time.time()
        if self.start <= now < self.end:
            self.counted += 1
            self.answered[index] = now

    def failed(self, error: BaseException) -> None:
        if self.start <= time.time() < self.end:
            self.errors += 1
        self.first_error = self.first_error or f"{type(error).__name__}: {error}"[:300]


async def parley_lane(plan: dict[str, Any], tally: Tally, tag: str) -> None:
    connection = Connection(plan["url"], plan["key"])
    conversations: list[int] = plan["conversations"]
    made = 0
    try:
        while time.time() < tally.end:
            conversation = encode_id("Conversation", random.choice(conversations))
            for role in ("USER", "ASSISTANT"):
                index, content = tally.content()
                made += 1
                given: dict[str, Any] = {
                    "conversationId": conversation,
                    "clientMessageId": f"{tag}-{made}",
                    "content": content if role == "USER" else f"{content} {ANSWER}",
                }
                if role == "ASSISTANT":
                    given |= {"role": "ASSISTANT", "usage": REPLY}
                try:
                    await connection.execute(SEND, {"input": given})
                    tally.done(index)
                except Exception as error:  # counted and reported, the lane goes on
                    tally.failed(error)
                    await connection.close()
    finally:
        await connection.close()


async def raw_lane(plan: dict[str, Any], tally: Tally, tag: str) -> None:
    connection = await asyncpg.connect(plan["dsn"])
    event = reference.EVENT_WRITES[plan["event"]]
    conversations: list[int] = plan["conversations"]
    workspace = int(plan["workspace"])
    made = 0
    try:
        while time.time() < tally.end:
            conversation = random.choice(conversations)
            for usage in (None, RAW_USAGE):
                index, content = tally.content()
                made += 1
                text = content if usage is None else f"{content} {ANSWER}"
                try:
                    ok = await reference.write(
                        connection,
                        event,
                        workspace,
                        conversation,
                        f"{tag}-{made}",
                        text,
                        usage,
                        datetime.now(UTC),
                    )
                    if not ok:
                        raise RuntimeError(f"conversation {conversation} refused the message")
                    tally.done(index)
                except Exception as error:  # counted and reported, the lane goes on
                    tally.failed(error)
    finally:
        await connection.close()


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    begin = float(plan["begin_at"])
    start = begin + float(plan["warmup"])
    tally = Tally(start, start + float(plan["seconds"]))
    lane = parley_lane if plan["target"] == "parley" else raw_lane
    await asyncio.sleep(max(0.0, begin - time.time()))
    lanes = [lane(plan, tally, f"{plan['tag']}-{i}") for i in range(int(plan["lanes"]))]
    starts: list[tuple[int, float]] = []
    if float(plan.get("start_rate") or 0) > 0:
        begun = start_conversations(plan, tally.end)
        results = await asyncio.gather(*lanes, begun)
        offset = int(plan.get("count_offset") or 0)
        begun_at: list[tuple[int, float]] = results[-1] or []
        starts = [(offset + k, at) for k, at in begun_at]
    else:
        await asyncio.gather(*lanes)
    return {
        "messages": tally.counted,
        "seconds": tally.end - tally.start,
        "errors": tally.errors,
        "first_error": tally.first_error,
        "answered": tally.answered,
        "starts": starts,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    plan = json.loads(args.plan.read_text())
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        result = asyncio.run(run(plan))
    else:
        result = uvloop.run(run(plan))
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
