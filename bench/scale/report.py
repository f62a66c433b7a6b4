"""bench/results-scale.md and bench/results-scale.svg: the ingest ratio, the statements behind
it, the curve and its plot, the machine and how to reproduce."""

from dataclasses import dataclass
from typing import Any

from bench.live.processes import ROOT
from bench.scale.curve import BUS, POSTGRES, Leg, Mix
from bench.scale.ingest import PARLEY, Ingest
from bench.scale.probe import Probe
from bench.scale.svg import Panel, Series, chart

RESULTS = ROOT / "bench" / "results-scale.md"
PLOT = ROOT / "bench" / "results-scale.svg"
COLOURS = {POSTGRES: "#1f77b4", BUS: "#d62728"}


@dataclass(frozen=True)
class Run:
    argv: str
    database: str
    conversations: int
    quick: bool
    ingest_timing: str
    curve_timing: str
    seconds: float
    machine: list[str]


def _rps(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _ratio(over: float | None, under: float | None) -> str:
    return "n/a" if not over or not under else f"**{over / under:.2f}×**"


def _ms(summary: dict[str, Any] | None) -> str:
    if not summary or summary.get("p50") is None:
        return "n/a"
    return f"{summary['p50']:.0f} / {summary['p99']:.0f} (n={summary['n']:,})"


def _ingest(ingest: Ingest) -> list[str]:
    mirrored, *others = ingest.contenders[1:]
    head = f"| processes | writers | {PARLEY} rps | {mirrored} rps | Parley ÷ raw |"
    rule = "| --- | --- | --- | --- | --- |"
    for other in others:
        head += f" {other} rps | Parley ÷ that |"
        rule += " --- | --- |"
    lines = [head, rule]
    for count, writers in ingest.cells:
        parley = ingest.median(PARLEY, count, writers)
        raw = ingest.median(mirrored, count, writers)
        row = f"| {count} | {writers} | {_rps(parley)} | {_rps(raw)} | {_ratio(parley, raw)} |"
        for other in others:
            found = ingest.median(other, count, writers)
            row += f" {_rps(found)} | {_ratio(parley, found)} |"
        lines.append(row)
    if not others:
        lines += [
            "",
            "The raw reference's event write is today's numbering + NOTIFY (as Parley's is: see "
            'below), so there is no second raw column "with today\'s numbering + NOTIFY".',
        ]
    lines += ["", "Each round's figures (rps), in the order they were measured:", ""]
    for contender in ingest.contenders:
        for count, writers in ingest.cells:
            rounds = ", ".join(f"{v:,.0f}" for v in ingest.rps.get((contender, count, writers), []))
            lines.append(f"- {contender}, {count} process(es), {writers} writers: {rounds}")
    lines += [
        "",
        "Parley ÷ each raw reference round by round (a round's contenders run within a minute "
        "or two of each other, so each of these ratios compares like load):",
        "",
    ]
    for other in ingest.contenders[1:]:
        for count, writers in ingest.cells:
            pairs = zip(
                ingest.rps.get((PARLEY, count, writers), []),
                ingest.rps.get((other, count, writers), []),
                strict=False,
            )
            ratios = ", ".join(f"{p / r:.2f}×" for p, r in pairs if r)
            lines.append(f"- ÷ {other}, {count} process(es), {writers} writers: {ratios}")
    errors = ", ".join(f"{name}: {n}" for name, n in ingest.errors.items())
    lines += ["", f"Failed writes inside the windows: {errors or 'none'}."]
    for name, error in ingest.first_errors.items():
        lines.append(f"First failure of {name}: `{error}`")
    return lines


def _statements(probe: Probe) -> list[str]:
    def block(title: str, transactions: list[list[str]]) -> list[str]:
        out = []
        for label, statements in zip(
            ("visitor message", "reply with usage"), transactions, strict=False
        ):
            out += [
                f"{title}, {label}: {len(statements)} statements (BEGIN and COMMIT included)",
                "",
            ]
            out += [
                "```sql",
                *(s if len(s) <= 240 else s[:237] + "…" for s in statements),
                "```",
                "",
            ]
        return out

    if probe.mirrored is not None and probe.used != probe.mirrored:
        verdict = (
            f"Parley's event write matched the shape **{probe.mirrored.name}**, but the raw "
            f"reference was told to write **{probe.used.name}** (`--raw-event`)."
        )
    elif probe.mirrored is None:
        verdict = (
            "**Parley's event write matches none of the shapes in bench/scale/reference.py "
            f"(EVENT_WRITES): the raw reference wrote **{probe.used.name}** and may not "
            "mirror Parley. Add the new shape there.**"
        )
    else:
        verdict = (
            f"Parley's event write matched the shape **{probe.mirrored.name}** "
            f"(takes the workspace's counter: {'yes' if probe.mirrored.numbers else 'no'}; "
            f"NOTIFY in the transaction: {'yes' if probe.mirrored.notifies else 'no'}), which the "
            "raw reference mirrors."
        )
    return [
        "Read from PostgreSQL's statement log for this run's database while one visitor message "
        "and one reply went through a fresh `parley serve`, then through the raw reference "
        "(bench/scale/probe.py). Parley's webhook worker also wakes on every commit and runs its "
        "own short transactions (a claim and a lease); they are Parley's and not in the reference.",
        "",
        verdict,
        "",
        *block("Parley", probe.parley),
        *block("Raw reference", probe.raw),
    ]


def _curve(legs: list[Leg], mix: Mix) -> list[str]:
    lines = [
        f"The mix: {mix.describe()}.",
        "",
        "| processes | events | messages/s | widget commit → delivery p50 / p99 ms | "
        "dashboard commit → delivery p50 / p99 ms | frames (widget / dashboard) | "
        "failed writes | note |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for leg in legs:
        frames = leg.frames or {}
        shown = (
            f"{frames.get('widget', 0):,} / {frames.get('dashboard', 0):,}" if leg.frames else ""
        )
        cells = [_rps(leg.messages_per_second), _ms(leg.widget), _ms(leg.dashboard)]
        if leg.note and leg.frames:  # measured, but not what the row says: in parentheses
            cells = [f"({cell})" for cell in cells]
        lines.append(
            f"| {leg.processes} | {leg.mode} | {' | '.join(cells)} | {shown} | "
            f"{leg.errors if leg.frames else ''} | {leg.note.replace('|', '/')} |"
        )
    return lines


def plot(legs: list[Leg]) -> str:
    counts = sorted({leg.processes for leg in legs})

    def values(mode: str, pick: str) -> list[float | None]:
        found: list[float | None] = []
        for count in counts:
            leg = next((x for x in legs if x.mode == mode and x.processes == count), None)
            if leg is None or leg.note:  # not measured, or the bus was not used: not plotted
                found.append(None)
            elif pick == "rate":
                found.append(leg.messages_per_second)
            else:
                summary = leg.widget if pick == "widget" else leg.dashboard
                found.append(summary.get("p99") if summary else None)
        return found

    rate = Panel(
        "messages/s",
        "messages/s",
        "server processes",
        counts,
        [Series(mode, COLOURS[mode], values(mode, "rate")) for mode in (POSTGRES, BUS)],
    )
    latency = Panel(
        "commit → delivery p99",
        "ms",
        "server processes",
        counts,
        [
            Series(f"widgets, {mode}", COLOURS[mode], values(mode, "widget"))
            for mode in (POSTGRES, BUS)
        ]
        + [
            Series(f"dashboards, {mode}", COLOURS[mode], values(mode, "dashboard"), dashed=True)
            for mode in (POSTGRES, BUS)
        ],
    )
    return chart([rate, latency], "bench/results-scale.md says the mix, the machine and the run")


def render(run: Run, ingest: Ingest | None, probe: Probe, legs: list[Leg], mix: Mix) -> str:
    kind = "a quick trial (`--quick`): one round, short windows" if run.quick else "the full run"
    lines = [
        "# Scale: the ingest ratio and the curve (issue #22)",
        "",
        f"`python -m bench.scale {run.argv}`".replace(" `", "`")
        + f": {kind}, {run.seconds:.0f} s in all.",
        "",
        *run.machine,
        f"- Database: `{run.database}` on 127.0.0.1, created for the run and dropped after it; one "
        f"workspace seeded with {run.conversations:,} active conversations of 4 messages each "
        "(the issue measured on 210,000: `--conversations 210000`).",
        f"- Ingest: {run.ingest_timing}. Curve: {run.curve_timing}.",
        "",
        "## The ingest ratio",
        "",
        "`sendMessage` through `parley serve --workers N` over keep-alive HTTP (a writers' "
        "process of its own), each writer sending a visitor message and then an assistant reply "
        "with usage (provider, model, 1,200 / 80 / 600 tokens, a given cost) to a conversation "
        "picked at random in one workspace, as fast as answered; against the raw reference, a "
        "plain asyncpg client writing the same rows in one transaction per message "
        "(bench/scale/reference.py) with the same writers, on N client processes. rps counts "
        "messages (two per writer's turn). Contenders interleaved round by round; medians.",
        "",
        *(_ingest(ingest) if ingest else ["Not measured in this run (`--only curve`)."]),
        "",
        "### What each write sends",
        "",
        *_statements(probe),
        "## The curve",
        "",
        "Each leg is a fresh `parley serve --workers N` holding every socket (bench/live's load "
        "generator, its own process), the writers' process writing through it. A widget's "
        "latency is from its message's `createdAt` (set before the commit, so never flattering) "
        "to the frame; a dashboard's from the `startedAt` of the conversation that made its "
        "count. With the bus, the server is given `PARLEY_EVENT_BUS=nats://…` of a nats-server "
        "the bench starts itself (JetStream, a temporary store), and a leg only counts when that "
        "server saw the server publish.",
        "",
        *(_curve(legs, mix) if legs else ["Not measured in this run (`--only ingest`)."]),
        "",
        "![messages/s and p99 against server processes](results-scale.svg)",
        "",
        "## How to reproduce",
        "",
        "PostgreSQL at 127.0.0.1:5432 (the bench creates and drops `parley_scale_bench`, or "
        "`SCALE_BENCH_DATABASE_URL`; its name must say `bench`) and `/usr/sbin/nats-server` for "
        "the bus:",
        "",
        "```sh",
        "make .venv/.installed",
        ".venv/bin/python -m bench.scale            # about 10 minutes",
        ".venv/bin/python -m bench.scale --quick    # about 2 minutes, one round",
        "```",
        "",
        "`make bench` runs it after the other benches. The raw reference's event write is in "
        "one marked place, `EVENT_WRITES` in bench/scale/reference.py.",
    ]
    return "\n".join(lines) + "\n"
