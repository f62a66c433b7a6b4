"""The curve: messages/s and commit → delivery against 1, 2 and 4 server processes, at one fixed
mix, with PostgreSQL alone and with the bus.

Each leg is a fresh `parley serve --workers N` holding every socket of the mix (bench/live's load
generator, its own process: widgets on `messageAdded` of their conversation, dashboards on
`conversationCount` of TEST conversations), while the writers' process sends visitor messages
and replies with usage as fast as it is answered, to the widgets' conversations at random, and
starts TEST conversations at a steady pace for the dashboards. A widget's latency runs from its
message's `createdAt` (set before the commit) to the frame; a dashboard's from the `startedAt`
of the conversation that made its count.
"""

import asyncio
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.live.driver import Client, plan
from bench.live.processes import Server
from bench.live.setup import plain_dsn as plain
from bench.scale import bus, servers
from bench.scale.ingest import Setup

POSTGRES = "PostgreSQL alone"
BUS = "bus (NATS JetStream)"


@dataclass(frozen=True)
class Mix:
    widgets: int
    dashboards: int
    writers: int
    start_rate: float
    """TEST conversations started a second (what moves the dashboards' counts)."""

    def describe(self) -> str:
        return (
            f"{self.widgets} widgets (`messageAdded` of their conversation) + {self.dashboards} "
            f"dashboards (`conversationCount` of TEST conversations) + {self.writers} writers "
            f"(visitor message then reply with usage, as fast as answered, to the widgets' "
            f"conversations) + {self.start_rate:g} TEST conversations started a second"
        )


@dataclass(frozen=True)
class Leg:
    mode: str
    processes: int
    messages_per_second: float | None = None
    errors: int = 0
    widget: dict[str, Any] | None = None
    dashboard: dict[str, Any] | None = None
    frames: dict[str, int] | None = None
    note: str = ""


@dataclass(frozen=True)
class Widgets:
    secret: str
    assistant: str
    conversations: list[int]
    sockets: list[dict[str, Any]]


async def _test_count(url: str, workspace: int) -> int:
    connection = await asyncpg.connect(plain(url))
    try:
        return int(
            await connection.fetchval(
                "SELECT COUNT(*) FROM conversation WHERE workspace_id = $1 AND type = 'TEST'",
                workspace,
            )
        )
    finally:
        await connection.close()


def _settle(client: Client, dashboards: int, within: float = 60.0) -> None:
    """Until every dashboard has its first count."""
    deadline = time.monotonic() + within
    while client.ask("status")["first_frames"] < dashboards and time.monotonic() < deadline:
        time.sleep(0.3)


def _close(client: Client) -> None:
    try:
        client.close()
    except Exception:  # the generator died (Ctrl-C reaches it too): end it by its pid
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()


def _leg(
    setup: Setup,
    widgets: Widgets,
    mix: Mix,
    mode: str,
    count: int,
    seconds: tuple[float, float],
    nats: bus.Nats | None,
) -> Leg:
    warmup, window = seconds
    offset = asyncio.run(_test_count(setup.url, setup.workspace))
    extra = {bus.VARIABLE: nats.url} if nats is not None else {}
    before = nats.traffic() if nats is not None else None
    server: Server = servers.parley(
        f"curve-{count}-{'bus' if nats else 'pg'}", setup.url, setup.logs, count, extra
    )
    client = None
    try:
        client = Client(server.ws, widgets.sockets, setup.logs)
        if client.ready["failed"]:
            raise RuntimeError(f"sockets refused: {client.ready['failed']}")
        _settle(client, mix.dashboards)
        time.sleep(1.0)
        begin = time.time() + 2.0
        writer = {
            "target": "parley",
            "url": server.http,
            "key": widgets.secret,
            "assistant": widgets.assistant,
            "conversations": widgets.conversations,
            "workspace": setup.workspace,
            "lanes": mix.writers,
            "begin_at": begin,
            "warmup": warmup,
            "seconds": window,
            "tag": f"curve-{count}-{bool(nats)}-{time.time():.0f}",
            "start_rate": mix.start_rate,
            "count_offset": offset,
        }
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(servers.writers, [writer], setup.logs, warmup + window + 60)
            try:
                servers.wait_until(begin + warmup)
                client.ask("mark")
                servers.wait_until(begin + warmup + window)
                client.ask("mark")
                result = running.result()[0]
            except BaseException:
                servers.end_writers()
                raise
        time.sleep(1.0)
        starts = Path(tempfile.mkstemp(suffix=".json", prefix="scale-starts-")[1])
        starts.write_text(json.dumps({"starts": result["starts"], "answered": result["answered"]}))
        report = client.ask(f"report {starts}")
        starts.unlink(missing_ok=True)
    finally:
        if client is not None:
            _close(client)
        servers.stop(server)
    note = ""
    if nats is not None and before is not None:
        after = nats.traffic()
        if after.in_msgs == before.in_msgs:
            note = "the server never published to the nats-server: the bus was not used"
    return Leg(
        mode=mode,
        processes=count,
        messages_per_second=result["messages"] / result["seconds"],
        errors=result["errors"],
        widget=report["from_created"],
        dashboard=report["count"],
        frames=report["frames"],
        note=note,
    )


def run(
    setup: Setup,
    widgets: Widgets,
    mix: Mix,
    seconds: tuple[float, float],
    counts: tuple[int, ...] = (1, 2, 4),
) -> list[Leg]:
    """PostgreSQL alone and the bus side by side at each process count (the bus's leg right
    after PostgreSQL's), or PostgreSQL's alone with the bus's marked not available."""
    legs: list[Leg] = []
    available = bus.supported()
    why = (
        f"not available: this Parley's settings have no {bus.VARIABLE} "
        "(server/settings.py, the list docs/configuration.md is written from)"
    )
    if not available:
        print(f"  curve: {BUS}: {why}", flush=True)
    nats = bus.Nats(setup.logs) if available else None
    try:
        for count in counts:
            for mode in (POSTGRES, BUS):
                if mode == BUS and nats is None:
                    legs.append(Leg(BUS, count, note=why))
                    continue
                print(f"  curve: {mode}, {count} process(es)", flush=True)
                given = nats if mode == BUS else None
                try:
                    legs.append(_leg(setup, widgets, mix, mode, count, seconds, given))
                except Exception as error:  # the bus is being built: its failure is reported
                    if given is None:
                        raise
                    servers.end_writers()
                    note = (
                        f"failed: {type(error).__name__}: {str(error)[:300]} (logs in {setup.logs})"
                    )
                    legs.append(Leg(BUS, count, note=" ".join(note.split())))
                found = legs[-1]
                widget_p99 = (found.widget or {}).get("p99")
                print(
                    f"    {found.messages_per_second or 0:,.0f} messages/s, "
                    f"widget p99 {widget_p99 or 0:.0f} ms {found.note}",
                    flush=True,
                )
    finally:
        if nats is not None:
            nats.stop()
    return legs


def sockets(widgets: list[tuple[str, str]], dashboards: int, secret: str) -> list[dict[str, Any]]:
    """bench/live's socket plan: the same documents and tokens."""
    return plan(widgets, dashboards, secret)
