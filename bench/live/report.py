"""Figures with their targets, printed and written to bench/results-live.md."""

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.live.phases import Broadcast, Idle
from bench.live.processes import ROOT
from bench.live.stats import summary

RESULTS = ROOT / "bench" / "results-live.md"


@dataclass(frozen=True)
class Figure:
    what: str
    value: float | None
    unit: str
    target: float | None = None
    """The most the figure may be; None for figures shown for context."""

    def row(self) -> str:
        value = "n/a" if self.value is None else f"{self.value:,.2f} {self.unit}".strip()
        if self.target is None:
            return f"| {self.what} | {value} | | |"
        if self.value is None:
            return f"| {self.what} | {value} | ≤ {self.target:g} {self.unit} | missing |"
        ratio = self.value / self.target if self.target else float("inf") if self.value else 0
        met = "met" if self.value <= self.target else "MISSED"
        shown = f"{ratio:.2f}× of target" if self.target else f"{self.value:g}"
        return f"| {self.what} | {value} | ≤ {self.target:g} {self.unit} | {shown}, {met} |"


def figures(parley: Broadcast, bare: Broadcast, idle: Idle, sockets: int) -> list[Figure]:
    message, count = parley.report["from_created"], parley.report["count"]
    ratio = parley.us_per_frame / bare.us_per_frame if bare.us_per_frame else None
    return [
        Figure("messageAdded commit→delivery p50 (from createdAt)", message["p50"], "ms"),
        Figure("messageAdded commit→delivery p99 (from createdAt)", message["p99"], "ms", 100),
        Figure(
            "messageAdded answer→delivery p50 (lower bound: the answer follows the commit)",
            parley.report["from_answer"]["p50"],
            "ms",
        ),
        Figure(
            "messageAdded answer→delivery p99 (lower bound)",
            parley.report["from_answer"]["p99"],
            "ms",
        ),
        Figure(
            "messageAdded sender→delivery p99 (the whole sendMessage request included)",
            parley.report["from_sent"]["p99"],
            "ms",
        ),
        Figure("conversationCount commit→delivery p50 (from startedAt)", count["p50"], "ms"),
        Figure("conversationCount commit→delivery p99 (from startedAt)", count["p99"], "ms", 100),
        Figure(
            "bare broadcast delivery p99 (from its send time)", bare.report["count"]["p99"], "ms"
        ),
        Figure("Parley server CPU per delivered frame", parley.us_per_frame, "µs"),
        Figure("bare broadcast CPU per delivered frame", bare.us_per_frame, "µs"),
        Figure("Parley ÷ bare CPU per frame", ratio, "×", 3),
        Figure(
            "load generator CPU, Parley run (share of one core)",
            100 * parley.client_cpu / parley.seconds,
            "%",
        ),
        Figure("idle statements per second, whole process", idle.per_second, "/s"),
        Figure(
            "idle statements per second per 1,000 subscriptions, beyond the process's own "
            "housekeeping",
            _beyond_housekeeping(idle) * 1000 / max(1, sockets),
            "/s",
            0,
        ),
        Figure("idle sockets held by one server process", idle.sockets, "sockets"),
        Figure("server memory per idle socket with one subscription", idle.kb_per_socket, "KB", 30),
    ]


def handover_figures(found: dict[str, Any]) -> list[Figure]:
    """The handover's latencies across the two processes, under the fan-out load (#21)."""
    badge = summary(found.get("to_badge", []))
    visitor = summary(found.get("to_visitor", []))
    return [
        Figure(
            f"handover: visitor asks for a person → every waiting badge ({badge['n']} samples, "
            f"{found.get('badges', 0)} badges) p50",
            badge["p50"],
            "ms",
        ),
        Figure("handover: visitor asks → waiting badge p99", badge["p99"], "ms", 250),
        Figure(
            f"handover: agent writes → visitor's screen ({visitor['n']} samples) p50",
            visitor["p50"],
            "ms",
        ),
        Figure("handover: agent writes → visitor's screen p99", visitor["p99"], "ms", 250),
    ]


HOUSEKEEPING = (
    ("SELECT 1", "the listener connection's health check (every 10 s)"),
    ("UPDATE socket_lease", "socket lease renewal, one statement per process (every 30 s)"),
    ("DELETE FROM socket_lease WHERE expires_at", "expired leases of dead processes (every 30 s)"),
    ("DELETE FROM rate_counter", "expired rate counters (PARLEY_RATE_COUNTER_SWEEP_SECONDS)"),
    ("conversation", "the idle-conversation sweeper (PARLEY_SWEEP_INTERVAL_SECONDS)"),
    ("keep_web_widget_days", "the retention sweep reading the workspaces' retention"),
    ("FROM webhook_endpoint e JOIN workspace", "the webhook worker deriving deliveries (1 s)"),
    ("UPDATE webhook_delivery SET leased_until", "the webhook worker claiming due deliveries"),
    ("DELETE FROM webhook_delivery WHERE id IN", "forgetting settled deliveries (the sweeper)"),
    ("UPDATE turn SET state = $1, claimed_by", "the built-in engine's claim (every 5 s)"),
    (
        "UPDATE turn SET state = $1, error",
        "the built-in engine failing turns past their lease (5 s)",
    ),
    ("UPDATE message SET state = $1 WHERE id IN", "the sweeper abandoning replies gone quiet"),
    (
        "SELECT id FROM message WHERE state = $1 AND streamed_at",
        "the sweeper finding quiet replies",
    ),
    (
        "SELECT reply_id FROM turn WHERE state = $1 AND lease_until",
        "the built-in engine finding the replies of turns past their lease (5 s)",
    ),
    (
        "SELECT 1 FROM conversation_event WHERE seq IS NULL",
        "the sequencer's look for events left unnumbered (every second)",
    ),
    (
        "SELECT id, event_seq FROM workspace WHERE events_numbered_at",
        "with a bus, the sequencer's recent numbers announced again (every second)",
    ),
    ("BEGIN", "transaction control around the sweeper's and the webhook worker's statements"),
    ("COMMIT", "transaction control around the sweeper's and the webhook worker's statements"),
)


def _housekeeping(statement: str) -> str | None:
    """Why the statement is housekeeping: the longest fragment of `HOUSEKEEPING` it holds (a
    short one, like `SELECT 1`, would otherwise claim longer statements that begin with it)."""
    found = [(len(start), why) for start, why in HOUSEKEEPING if start in statement]
    return max(found)[1] if found else None


def _beyond_housekeeping(idle: Idle) -> float:
    others = sum(n for s, n in idle.statements.items() if _housekeeping(s) is None)
    return others / idle.seconds


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    return done.stdout.strip()


def machine() -> list[str]:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    load = os.getloadavg()
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in ("strawberry-graphql", "uvicorn", "websockets", "starlette", "asyncpg")
    )
    commit = _run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}; "
        f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (shared)",
        f"- Versions: Python {platform.python_version()}, {packages}",
        f"- Parley: commit {commit} (working tree shared with others' edits)",
    ]


def render(
    options: dict[str, Any],
    parley: Broadcast,
    bare: Broadcast,
    idle: Idle,
    written: dict[str, Any],
    header: list[str],
) -> str:
    rows = figures(parley, bare, idle, idle.sockets) + handover_figures(written["handover"])
    lines = [
        "# Live views: fan-out and idle (issue 9)",
        "",
        "Written by `python -m bench.live` (see bench/live/__init__.py for what it does).",
        "",
        *header,
        f"- Database: PostgreSQL, `{options['database']}`",
        f"- Command: `.venv/bin/python -m bench.live {options['argv']}`",
        f"- Fan-out: {options['widgets']} widget sockets (`messageAdded`, one conversation each) "
        f"+ {options['dashboards']} dashboards (`conversationCount(filter: {{types: [TEST]}})`), "
        f"{options['message_rate']:g} messages/s (sendMessage through a second `parley serve`) "
        f"and {options['start_rate']:g} TEST conversations started/s, measured over "
        f"{parley.seconds:.1f} s after {3:g} s of warm-up; writer: {written['sent']} sent, "
        f"{written['errors']} errors, {written['late']} late",
        f"- Frames delivered in the window: Parley {parley.frames}, bare {bare.frames}; "
        f"bytes per frame Parley {_sizes(parley)}, bare {_sizes(bare)}",
        f"- Server CPU in the window: Parley {parley.server_cpu:.2f} s, bare "
        f"{bare.server_cpu:.2f} s (utime+stime from /proc/<pid>/stat)",
        f"- Idle: {idle.sockets:,} sockets with one subscription each on one fresh server "
        f"process, half widgets (`messageAdded`), half dashboards, opened in "
        f"{idle.open_seconds:.0f} s (refused: {idle.refused or 'none'}; first frames "
        f"{idle.first_frames:,}); VmRSS {idle.rss_before_kb:,} KB → "
        f"{idle.rss_after_kb:,} KB; statements over {idle.seconds:.0f} s from PostgreSQL's "
        "statement log",
        "",
        "| figure | value | target | ratio |",
        "| --- | --- | --- | --- |",
        *(figure.row() for figure in rows),
        "",
        "Statements in the idle window:",
        "",
        *(
            f"- {count} × `{statement}`: {_housekeeping(statement) or 'not housekeeping'}"
            for statement, count in idle.statements.most_common()
        ),
        "",
        f"Closes seen by the load generator: Parley {parley.report['closes'] or 'none'}, "
        f"bare {bare.report['closes'] or 'none'}.",
        "",
        *READING,
    ]
    return "\n".join(lines)


READING = [
    "Reading these figures:",
    "",
    "- Commit→delivery lies between the two brackets: `createdAt` is set inside the write "
    "before its commit (upper bound), the writer's answer arrives after it (lower bound).",
    "- The bare broadcast's own delivery p99 is the machine's share of any latency: on this "
    "shared 2-core machine other runs compete for the same cores and the same PostgreSQL.",
    "- Each count change is one frame to every dashboard at once; a widget's message waits "
    "behind such a burst on the same event loop, so message latency grows with "
    "dashboards × count changes per second × CPU per frame.",
    "- CPU per frame is the server's whole CPU over the window (its idle sockets' pings "
    "included) divided by the frames delivered in it.",
    "",
]


def _sizes(run: Broadcast) -> str:
    sizes: dict[str, float] = run.report["bytes_per_frame"]
    return ", ".join(f"{kind} {size:.0f}" for kind, size in sizes.items())
