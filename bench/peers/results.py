"""bench/results.md: what ran on what, every figure, and each ratio beside the issue's target.

Ratios are of medians over rounds. Throughput ratios are Parley ÷ PostGraphile (or ÷ the raw
transaction for writes), higher is better; latency ratios are Parley ÷ hand-written p50, lower is
better. Absolute figures depend on this shared machine's load; the ratios are what to compare.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from bench.peers import listresults
from bench.peers.dataset import BADGE, MEASURED, SMALL, Dataset
from bench.peers.machine import describe
from bench.peers.measure import CONCURRENCY, Median, Results, concurrencies
from bench.peers.scenarios import Scenario
from bench.peers.servers import HAND, ONE, PARLEY_ENV, PEER, ROOT, TWO, Contender
from bench.peers.statements import Counted
from bench.peers.tables import ratio, table, times


@dataclass(frozen=True)
class RunOptions:
    rounds: int
    seconds: float
    warmup_seconds: float
    database: str


@dataclass(frozen=True)
class Report:
    options: RunOptions
    data: Dataset
    scenarios: list[Scenario]
    contenders: list[Contender]
    timed: Results
    counted: dict[tuple[str, str], Counted]
    setup_seconds: float
    commit: str
    """The checkout's commit as the contenders started (machine.commit)."""
    total_seconds: float


@dataclass(frozen=True)
class Target:
    """What issue 9 (issue 18 for List) asks of one scenario, as ratios."""

    rps_vs_peer: float | None = None
    p50_vs_hand: float | None = None
    rps_vs_hand: float | None = None


TARGETS = {
    "A 100k": Target(rps_vs_peer=1.0, p50_vs_hand=1.3),
    "A 10k": Target(rps_vs_peer=1.0, p50_vs_hand=1.3),
    "B": Target(rps_vs_peer=1.0),
    "C": Target(rps_vs_peer=1.0),
    "D": Target(rps_vs_hand=0.8),
    "List 100k": Target(rps_vs_peer=listresults.RPS_VS_PEER, p50_vs_hand=listresults.P50_VS_HAND),
    "List 10k": Target(rps_vs_peer=listresults.RPS_VS_PEER, p50_vs_hand=listresults.P50_VS_HAND),
}
MAX_PAGE_STATEMENTS = 3
ISSUE = {
    "A 100k": (0.38, 2.7),
    "A 10k": (0.19, 5.9),
    "B": (0.80, 1.3),
    "C": (0.59, 1.7),
    "D": (0.40, 2.4),
}
"""What issue 9 measured before this work: Parley ÷ PostGraphile rps, Parley ÷ hand-written p50."""


def _figure(median: Median | None) -> list[str]:
    if median is None:
        return ["–", "–", "–"]
    return [f"{median.rps:,.0f}", f"{median.p50_ms:.2f}", f"{median.p99_ms:.2f}"]


def _rps(report: Report, scenario: str, contender: str, concurrency: int) -> float | None:
    median = report.timed.median(scenario, contender, concurrency)
    return median.rps if median else None


def _p50(report: Report, scenario: str, contender: str, concurrency: int) -> float | None:
    median = report.timed.median(scenario, contender, concurrency)
    return median.p50_ms if median else None


def _target_text(target: Target) -> str:
    parts = []
    if target.rps_vs_peer is not None:
        parts.append(f"rps ≥ {target.rps_vs_peer:.1f}× PostGraphile")
    if target.rps_vs_hand is not None:
        parts.append(f"rps ≥ {target.rps_vs_hand:.1f}× raw")
    if target.p50_vs_hand is not None:
        parts.append(f"p50 ≤ {target.p50_vs_hand:.1f}× hand-written")
    return "; ".join(parts) or "–"


def ratio_rows(report: Report) -> list[list[str]]:
    rows = []
    for scenario in report.scenarios:
        if scenario.badge_only:
            continue
        name = scenario.name
        target = TARGETS.get(name, Target())
        before = ISSUE.get(name)
        rows.append(
            [
                scenario.title,
                *[
                    times(
                        ratio(_rps(report, name, parley, 32), _rps(report, name, PEER, 32)),
                        target.rps_vs_peer,
                    )
                    for parley in (ONE, TWO)
                ],
                *[
                    times(
                        ratio(_rps(report, name, parley, 32), _rps(report, name, HAND, 32)),
                        target.rps_vs_hand,
                    )
                    for parley in (ONE, TWO)
                ],
                times(
                    ratio(_p50(report, name, ONE, 1), _p50(report, name, HAND, 1)),
                    target.p50_vs_hand,
                    higher=False,
                ),
                _target_text(target),
                f"{before[0]:.2f}× / {before[1]:.1f}×" if before else "–",
            ]
        )
    return rows


RATIO_HEADERS = [
    "scenario",
    "1w ÷ PostGraphile rps",
    "2w ÷ PostGraphile rps",
    "1w ÷ hand-written rps",
    "2w ÷ hand-written rps",
    "1w p50 ÷ hand-written p50",
    "target (issue #9; List: #18)",
    "issue #9 measured (vs PostGraphile rps / vs hand-written p50)",
]


def _figures(report: Report, scenario: Scenario) -> list[str]:
    headers = ["contender"]
    for concurrency in concurrencies(scenario):
        headers += [f"c={concurrency} req/s", "p50 ms", "p99 ms"]
    rows = []
    for contender in report.contenders:
        row = [contender.name]
        for concurrency in concurrencies(scenario):
            row += _figure(report.timed.median(scenario.name, contender.name, concurrency))
        rows.append(row)
    return [f"### {scenario.title}", "", *table(headers, rows), ""]


def _statements(report: Report) -> list[str]:
    if not report.counted:
        return ["Not counted in this run (PostgreSQL's log was not readable).", ""]
    names = [ONE, HAND, PEER]
    rows = []
    for scenario in report.scenarios:
        if scenario.badge_only:
            continue
        row = [scenario.title]
        for name in names:
            found = report.counted.get((scenario.name, name))
            row.append(
                "–"
                if found is None
                else f"{found.total:.1f} ({found.resets:.1f} resets, "
                f"{found.transaction:.1f} tx control)"
            )
        rows.append(row)
    return [
        *table(["scenario", *names], rows),
        "",
        *_heads(report),
        f"Target: a page costs ≤ {MAX_PAGE_STATEMENTS} statements. Each figure is round trips "
        "per request seen in PostgreSQL's statement log (`log_statement = 'all'` set on the "
        "bench database only while counting, then reset), of which asyncpg's pool reset "
        "(`SELECT pg_advisory_unlock_all(); CLOSE ALL; …`) and BEGIN/COMMIT.",
        "",
    ]


def _heads(report: Report) -> list[str]:
    """What Parley sent per request, statement by statement."""
    lines = []
    for scenario in report.scenarios:
        found = report.counted.get((scenario.name, ONE))
        if found is None or not found.heads:
            continue
        lines += [f"Parley, {scenario.title}:", ""]
        lines += [f"- {times:.1f}× `{head}`" for head, times in found.heads]
        lines.append("")
    return lines


def _badge(report: Report) -> list[str]:
    sizes = [("C", SMALL), ("badge 100k", MEASURED), ("badge 1M", BADGE)]
    rows = []
    for name, tenant in sizes:
        row = [f"{tenant.conversations:,}"]
        for contender in (ONE, HAND, PEER):
            median = report.timed.median(name, contender, 1)
            row.append(f"{median.p50_ms:.2f}" if median else "–")
        rows.append(row)
    return [
        *table(["conversations", f"{ONE} p50 ms", f"{HAND} p50 ms", f"{PEER} p50 ms"], rows),
        "",
        "Target: Parley's p50 flat from 10k to 1M (the badge answered from counts kept in step "
        "with every write).",
        "",
    ]


def _data(report: Report) -> list[str]:
    rows = [
        [
            loaded.tenant.name,
            f"{loaded.tenant.conversations:,}",
            "6 messages each, variables, usage; labels on 1 in 5, ratings on 1 in 10"
            if loaded.tenant.messages
            else "conversations only",
        ]
        for loaded in report.data.tenants.values()
    ]
    when = "this run" if report.data.loaded_now else "an earlier run (reused)"
    return [
        *table(["workspace", "conversations", "content"], rows),
        "",
        f"Loaded in {report.data.load_seconds:.0f} s by {when}; setup this run (migrations, "
        f"checks, keys) {report.setup_seconds:.0f} s; the whole run {report.total_seconds:.0f} s.",
        "",
    ]


def _command(contender: Contender) -> str:
    words = [word.replace(str(ROOT) + "/", "") for word in contender.command]
    env = " ".join(f"{name}={value}" for name, value in contender.env if name == "NODE_ENV")
    return f"{env + ' ' if env else ''}{' '.join(words)}"


async def render(report: Report) -> str:
    options = report.options
    machine = await describe(options.database, report.commit)
    parley_env = " ".join(f"{name}={value}" for name, value in PARLEY_ENV.items())
    lines = [
        "# Parley vs PostGraphile 5 vs a hand-written endpoint (`make bench`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `python -m bench.peers` "
        "(what `make bench` runs first). Written by the run; do not edit by hand.",
        "",
        *machine,
        "",
        "## Method",
        "",
        f"- {options.rounds} rounds; in each, every scenario × concurrency × contender for "
        f"{options.seconds:g} s, the contenders' order rotating between rounds; each cell warmed "
        f"up once for {options.warmup_seconds:g} s first. Figures are medians over the rounds.",
        "- Load from wrk in its own process on the same machine (`-t1 -c1`, `-t2 -c32`), with "
        "Lua scripts for the POST bodies and the Authorization header; p50/p99 from wrk's "
        "latency distribution. Any non-2xx answer or socket error stops the run.",
        "- Contenders: `parley serve` with 1 and with 2 workers; the hand-written Starlette + "
        "asyncpg endpoint (bench/peers/handwritten.py, 1 process); PostGraphile with "
        "`--preset postgraphile/presets/amber -s public` on Node (NODE_ENV=production). "
        f"Parley's environment: `{parley_env}`.",
        "- Before timing, the hand-written endpoint's answers must equal Parley's (parsed JSON), "
        "PostGraphile's must give the same totals and rows, and each write must read back "
        "through Parley as it was answered; the run refuses to time otherwise.",
        "- D: each request records one assistant reply with usage (given cost) in another of "
        "1,000 open conversations of one workspace, with a clientMessageId never used before. "
        "PostGraphile runs it as a VOLATILE SQL function (bench/peers/postgraphile.py); the "
        "hand-written contender as one raw asyncpg transaction: totals, message, event and NOTIFY.",
        "- List: the dashboard's own `List` document, read from server/static/dashboard/queries.js "
        "by the run (see its section below).",
        "",
        "## Data",
        "",
        *_data(report),
        "## Ratios and the issue's targets",
        "",
        "Throughput (rps) at 32 connections, latency (p50) at 1; 1w and 2w are Parley with one and "
        "two worker processes. ✓ met, ✗ missed (marked where the issue sets a target).",
        "",
        *table(RATIO_HEADERS, ratio_rows(report)),
        "",
        *listresults.section(report.timed, report.scenarios),
        "## Figures (medians)",
        "",
    ]
    for scenario in report.scenarios:
        if not scenario.badge_only:
            lines += _figures(report, scenario)
    lines += [
        "## Statements per request",
        "",
        *_statements(report),
        "## Badge latency as the data grows (c=1)",
        "",
        *_badge(report),
        "## Notes",
        "",
        "- The hand-written endpoint and PostGraphile count with `COUNT(*)` over the conversation "
        "table's indexes: neither knows Parley's own count table, so their badge grows with the "
        "data. What Parley sent is listed statement by statement above.",
        "- PostGraphile's write is one call of a SQL function: the statements inside it are not "
        "top-level and so are not in the statement log.",
        "- D gives each reply's cost, so no contender prices it: the rows written are the same for "
        "all three. The loaded conversations carry no event rows (only D's writes make events).",
        "- Not measured by this run: the issue's fan-out (1,000 widget sockets + 1,000 dashboards) "
        "and idle (2,000 subscriptions) figures; `python -m bench.live` measures those "
        "(bench/results-live.md). Streamed replies (100 at once, the engine's CPU per turn, a "
        "killed engine): `python -m bench.replies` (bench/results-replies.md).",
        "",
        "## Commands",
        "",
        "```console",
        "make bench                          # installs wrk and PostGraphile, then this run",
        ".venv/bin/python -m bench.peers     # the same run; --quick for a 1-round trial",
        "```",
        "",
        "The contenders, as this run started them (from the checkout; paths shortened):",
        "",
        "```console",
        *[_command(contender) for contender in report.contenders],
        "wrk -t1 -c1 -d<seconds>s --timeout 10s -s <generated Lua script> <contender URL>",
        "wrk -t2 -c32 -d<seconds>s --timeout 10s -s <generated Lua script> <contender URL>",
        "```",
        "",
        f"Concurrency levels: {', '.join(str(level) for level in CONCURRENCY)}.",
        "",
    ]
    return "\n".join(lines)
