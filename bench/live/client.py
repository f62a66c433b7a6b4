"""The load generator: `python -m bench.live.client --url ws://… --plan plan.json`, run as its
own process so that its CPU is never the server's. It holds every socket of the plan (connection
init, one subscription each), answers pings, and timestamps every frame as it arrives.

It is driven by lines on stdin and answers with one JSON line on stdout each:
`status`, `mark` (the start or end of a measured window), `report STARTS` (figures of the last
window; STARTS is the writer's log of when each counted conversation was committed) and `close`.
"""

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from bench.live.processes import cpu_seconds, raise_file_limit
from bench.live.stats import summary

PROTOCOL = Subprotocol("graphql-transport-ws")
PONG = '{"type":"pong"}'


@dataclass
class Window:
    """Everything received since the process started; a window is the part between two marks."""

    frames: Counter[str] = field(default_factory=Counter)
    sizes: Counter[str] = field(default_factory=Counter)
    from_created: list[float] = field(default_factory=list)
    """messageAdded: receive time minus the message's createdAt (set before its commit)."""
    from_sent: list[float] = field(default_factory=list)
    """messageAdded: receive time minus when the writer sent it (it travels in its content)."""
    received: list[tuple[int, float]] = field(default_factory=list)
    """messageAdded: the writer's index of each message (in its content), and when it came."""
    counts: list[tuple[int, float]] = field(default_factory=list)
    closes: Counter[str] = field(default_factory=Counter)
    first_frames: int = 0
    samples: dict[str, str] = field(default_factory=dict)
    """The last frame of each kind, as sent: the bare server pushes frames just like them."""

    def position(self) -> dict[str, Any]:
        return {
            "frames": dict(self.frames),
            "sizes": dict(self.sizes),
            "created": len(self.from_created),
            "sent": len(self.from_sent),
            "counts": len(self.counts),
            "cpu": cpu_seconds_self(),
            "time": time.time(),
        }


def cpu_seconds_self() -> float:
    import os  # noqa: PLC0415

    return cpu_seconds(os.getpid())


class Holder:
    def __init__(self, url: str, plan: list[dict[str, Any]]) -> None:
        self.url = url
        self.plan = plan
        self.seen = Window()
        self.sockets: list[ClientConnection] = []
        self.readers: set[asyncio.Task[None]] = set()
        self.failed: Counter[str] = Counter()

    async def open_all(self, parallel: int = 32) -> None:
        gate = asyncio.Semaphore(parallel)

        async def one(index: int, entry: dict[str, Any]) -> None:
            async with gate:
                try:
                    await self._open(index, entry)
                except Exception as error:  # counted and reported, never hidden
                    self.failed[type(error).__name__ + ":" + str(error)[:80]] += 1

        await asyncio.gather(*(one(i, entry) for i, entry in enumerate(self.plan)))

    async def _open(self, index: int, entry: dict[str, Any]) -> None:
        socket = await connect(
            self.url,
            subprotocols=[PROTOCOL],
            ping_interval=None,
            max_queue=None,
            open_timeout=60,
        )
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {entry['token']}"}}
        await socket.send(json.dumps(init))
        ack = json.loads(await asyncio.wait_for(socket.recv(), 60))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"no ack: {ack}")
        payload = {"query": entry["query"], "variables": entry.get("variables") or {}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        self.sockets.append(socket)
        task = asyncio.create_task(self._read(socket, entry["kind"]))
        self.readers.add(task)
        task.add_done_callback(self.readers.discard)

    async def _read(self, socket: ClientConnection, kind: str) -> None:
        seen = self.seen
        first = True
        try:
            async for raw in socket:
                now = time.time()
                message = json.loads(raw)
                kind_of = message.get("type")
                if kind_of == "ping":
                    await socket.send(PONG)
                    continue
                if kind_of != "next":
                    seen.closes[f"{kind}:{kind_of}"] += 1
                    continue
                if first:
                    seen.first_frames += 1
                    first = False
                seen.frames[kind] += 1
                seen.sizes[kind] += len(raw)
                seen.samples[kind] = raw if isinstance(raw, str) else raw.decode()
                data = message["payload"]["data"]
                if kind == "widget":
                    node = data["messageAdded"]["node"]
                    created = datetime.fromisoformat(node["createdAt"]).timestamp()
                    seen.from_created.append(now - created)
                    content: str = node["content"]
                    if content.startswith("t="):
                        sent, _, rest = content[2:].partition(" message ")
                        seen.from_sent.append(now - float(sent))
                        seen.received.append((int(rest.split(" ", 1)[0]), now))
                else:
                    seen.counts.append((int(data["conversationCount"]), now))
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd is not None else None
            seen.closes[f"{kind}:close {code}"] += 1

    async def close_all(self) -> None:
        await asyncio.gather(*(socket.close() for socket in self.sockets), return_exceptions=True)


def report(
    seen: Window, start: dict[str, Any], end: dict[str, Any], starts: Path
) -> dict[str, Any]:
    """The window's frames, CPU and latencies. A count's latency runs from the commit of the
    conversation that made it (the writer's log), to its arrival."""
    committed: dict[int, float] = {}
    answered: dict[int, float] = {}
    if starts.exists():
        log = json.loads(starts.read_text())
        committed = {int(k): float(t) for k, t in log["starts"]}
        answered = {int(k): float(t) for k, t in log.get("answered", {}).items()}
    after_answer = [
        now - answered[index]
        for index, now in seen.received[start["sent"] : end["sent"]]
        if index in answered
    ]
    count_latency = [
        now - committed[value]
        for value, now in seen.counts[start["counts"] : end["counts"]]
        if value in committed
    ]
    frames = Counter(end["frames"])
    frames.subtract(start["frames"])
    sizes = Counter(end["sizes"])
    sizes.subtract(start["sizes"])
    return {
        "seconds": end["time"] - start["time"],
        "frames": dict(frames),
        "bytes_per_frame": {k: sizes[k] / frames[k] for k in frames if frames[k]},
        "client_cpu": end["cpu"] - start["cpu"],
        "from_created": summary(seen.from_created[start["created"] : end["created"]]),
        "from_sent": summary(seen.from_sent[start["sent"] : end["sent"]]),
        "from_answer": summary(after_answer),
        "count": summary(count_latency),
        "closes": dict(seen.closes),
        "samples": seen.samples,
    }


async def serve(holder: Holder) -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    began = time.monotonic()
    await holder.open_all()
    say(
        {
            "event": "ready",
            "opened": len(holder.sockets),
            "failed": dict(holder.failed),
            "seconds": time.monotonic() - began,
        }
    )
    marks: list[dict[str, Any]] = []
    while line := (await stdin.readline()).decode().strip():
        command, _, argument = line.partition(" ")
        if command == "status":
            say(
                {
                    "event": "status",
                    "first_frames": holder.seen.first_frames,
                    "frames": dict(holder.seen.frames),
                    "closes": dict(holder.seen.closes),
                }
            )
        elif command == "mark":
            marks.append(holder.seen.position())
            say({"event": "mark"})
        elif command == "report":
            say({"event": "report", **report(holder.seen, marks[-2], marks[-1], Path(argument))})
        elif command == "close":
            break
    await holder.close_all()
    say({"event": "closed"})


def say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--plan", required=True, type=Path)
    args = parser.parse_args()
    raise_file_limit()
    plan = json.loads(args.plan.read_text())
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:
        asyncio.run(serve(Holder(args.url, plan)))
    else:
        uvloop.run(serve(Holder(args.url, plan)))


if __name__ == "__main__":
    main()
