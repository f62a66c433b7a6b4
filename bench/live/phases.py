"""The three measured phases: Parley's fan-out, the bare broadcast of the same frames, and idle
subscriptions. Each starts its own server process and load generator and stops them."""

import json
import subprocess
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import statementlog
from bench.live import processes, statements
from bench.live.driver import Client
from bench.live.processes import PYTHON, ROOT, cpu_seconds, rss_kb
from bench.live.setup import database_name

WARMUP_SECONDS = 3.0


@dataclass(frozen=True)
class Load:
    message_rate: float
    start_rate: float
    seconds: float


@dataclass(frozen=True)
class Broadcast:
    """One measured window of frames pushed to sockets."""

    frames: dict[str, int]
    seconds: float
    server_cpu: float
    client_cpu: float
    report: dict[str, Any]

    @property
    def total_frames(self) -> int:
        return sum(self.frames.values())

    @property
    def us_per_frame(self) -> float:
        return self.server_cpu / max(1, self.total_frames) * 1e6


def _finish(client: Client, cpu: float, starts: Path) -> Broadcast:
    report = client.ask(f"report {starts}")
    return Broadcast(report["frames"], report["seconds"], cpu, report["client_cpu"], report)


def fan_out(
    url: str, sockets: list[dict[str, Any]], writer_plan: dict[str, Any], load: Load, logs: Path
) -> tuple[Broadcast, dict[str, Any]]:
    """Parley's fan-out server under the writer's steady load; the writer writes through another
    `parley serve`, so the measured process does nothing but deliver."""
    server = processes.parley("fanout", url, logs)
    client = None
    try:
        client = Client(server.ws, sockets, logs)
        if client.ready["failed"]:
            raise RuntimeError(f"sockets refused: {client.ready['failed']}")
        time.sleep(1.0)
        out = Path(tempfile.mkstemp(suffix=".json", prefix="live-writer-")[1])
        plan = Path(tempfile.mkstemp(suffix=".json", prefix="live-writer-plan-")[1])
        plan.write_text(json.dumps({**writer_plan, "seconds": WARMUP_SECONDS + load.seconds + 1.0}))
        writer = subprocess.Popen(  # noqa: S603 (our own command)
            [PYTHON, "-m", "bench.live.writer", "--plan", str(plan), "--out", str(out)], cwd=ROOT
        )
        time.sleep(WARMUP_SECONDS)
        cpu = cpu_seconds(server.pid)
        client.ask("mark")
        handover = _handover_probe(server.ws, writer_plan, logs)
        time.sleep(load.seconds)
        cpu = cpu_seconds(server.pid) - cpu
        client.ask("mark")
        writer.wait(120)
        time.sleep(0.5)
        written: dict[str, Any] = json.loads(out.read_text())
        written["handover"] = handover.result()
        starts = out.with_suffix(".starts.json")
        starts.write_text(
            json.dumps({"starts": written["starts"], "answered": written["answered"]})
        )
        result = _finish(client, cpu, starts)
        for path in (out, plan, starts):
            path.unlink(missing_ok=True)
        return result, written
    finally:
        if client is not None:
            client.close()
        server.stop()


HANDOVER_ROUNDS = 20
HANDOVER_BADGES = 20


class _Probe:
    """The handover probe running beside the fan-out load (bench/live/handover.py)."""

    def __init__(self, process: "subprocess.Popen[bytes]", out: Path, plan: Path) -> None:
        self.process, self.out, self.plan = process, out, plan

    def result(self) -> dict[str, Any]:
        self.process.wait(120)
        found: dict[str, Any] = json.loads(self.out.read_text() or "{}")
        self.out.unlink(missing_ok=True)
        self.plan.unlink(missing_ok=True)
        return found


def _handover_probe(watcher: str, writer_plan: dict[str, Any], logs: Path) -> _Probe:
    """Starts the probe: it writes through the writer's server and watches the fan-out's."""
    out = Path(tempfile.mkstemp(suffix=".json", prefix="live-handover-")[1])
    plan = Path(tempfile.mkstemp(suffix=".json", prefix="live-handover-plan-")[1])
    plan.write_text(
        json.dumps(
            {
                "writer": writer_plan["url"],
                "watcher": watcher,
                "key": writer_plan["key"],
                "assistant": writer_plan["assistant"],
                "rounds": HANDOVER_ROUNDS,
                "badges": HANDOVER_BADGES,
            }
        )
    )
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [PYTHON, "-m", "bench.live.handover", "--plan", str(plan), "--out", str(out)],
        cwd=ROOT,
        stderr=(logs / "handover.err").open("ab"),
    )
    return _Probe(process, out, plan)


def bare(sockets: list[dict[str, Any]], parley: Broadcast, logs: Path) -> Broadcast:
    """The same sockets and frames at the rates Parley delivered them, from the bare server."""
    server = processes.bare(logs)
    client = None
    try:
        client = Client(server.ws, sockets, logs)
        dashboards = sum(1 for socket in sockets if socket["kind"] == "dashboard")
        seconds = parley.seconds
        out = Path(tempfile.mkstemp(suffix=".json", prefix="live-bare-")[1])
        run = {
            "message_rate": parley.frames.get("widget", 0) / seconds,
            "count_rate": parley.frames.get("dashboard", 0) / seconds / max(1, dashboards),
            "seconds": WARMUP_SECONDS + seconds + 1.0,
            "samples": parley.report["samples"],
            "out": str(out),
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/run", data=json.dumps(run).encode(), method="POST"
        )
        urllib.request.urlopen(request, timeout=30).read()  # noqa: S310
        time.sleep(WARMUP_SECONDS)
        cpu = cpu_seconds(server.pid)
        client.ask("mark")
        time.sleep(seconds)
        cpu = cpu_seconds(server.pid) - cpu
        client.ask("mark")
        time.sleep(1.5)
        result = _finish(client, cpu, out)
        out.unlink(missing_ok=True)
        return result
    finally:
        if client is not None:
            client.close()
        server.stop()


@dataclass(frozen=True)
class Idle:
    sockets: int
    """Sockets the load generator held open (of those it tried: `refused` says why not)."""
    rss_before_kb: int
    rss_after_kb: int
    seconds: float
    statements: Counter[str]
    first_frames: int
    refused: dict[str, int]
    open_seconds: float
    """How long opening them all took (connection, init, subscribe; 32 at a time)."""

    @property
    def kb_per_socket(self) -> float:
        return (self.rss_after_kb - self.rss_before_kb) / max(1, self.sockets)

    @property
    def per_second(self) -> float:
        return sum(self.statements.values()) / self.seconds


def _settle(client: Client, expected: int, within: float = 60.0) -> int:
    """Waits until every dashboard has its first count (the widgets' history is sent too)."""
    deadline = time.monotonic() + within
    status = client.ask("status")
    while status["first_frames"] < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        status = client.ask("status")
    first: int = status["first_frames"]
    return first


def idle(url: str, sockets: list[dict[str, Any]], seconds: float, logs: Path) -> Idle:
    """A fresh server: its memory before and after the sockets open (10,000 of them in `make
    bench`: descriptors are raised to the hard limit in every process), then its statements over
    an idle window. A few sockets open and close first, so one-time costs (the first parse of
    each subscription, pools, caches) are not charged to the sockets."""
    log = statementlog.log_file()
    if log is None:
        raise RuntimeError("no PostgreSQL log found to count statements from")
    with statementlog.logging(url):
        server = processes.parley("idle", url, logs)
        try:
            warm = Client(server.ws, sockets[:50], logs)
            _settle(warm, sum(1 for s in sockets[:50] if s["kind"] == "dashboard"), 10)
            warm.close()
            time.sleep(2.0)
            before = rss_kb(server.pid)
            client = Client(server.ws, sockets, logs)
            try:
                dashboards = sum(1 for socket in sockets if socket["kind"] == "dashboard")
                first = _settle(client, dashboards, max(60.0, len(sockets) / 100))
                time.sleep(3.0)
                after = rss_kb(server.pid)
                start = statements.offset(log)
                time.sleep(seconds)
                found = statements.statements_since(log, start, database_name(url))
            finally:
                client.close()
        finally:
            server.stop()
    ready = client.ready
    return Idle(
        ready["opened"], before, after, seconds, found, first, ready["failed"], ready["seconds"]
    )
