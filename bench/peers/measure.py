"""The timed part: every cell warmed up, then contenders interleaved round by round.

A round runs every scenario at every concurrency for every contender, the contenders' order
rotating from round to round, so a slow minute of this shared machine falls on all of them alike.
The figures reported are the medians over rounds.
"""

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.peers import wrk
from bench.peers.scenarios import Call, Scenario
from bench.peers.servers import TWO, Contender
from bench.peers.wrk import Cell

CONCURRENCY = (1, 32)


@dataclass(frozen=True)
class Plan:
    rounds: int
    seconds: float
    warmup_seconds: float
    run_tag: str


@dataclass(frozen=True)
class Median:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    """Summed over the rounds."""


@dataclass
class Results:
    cells: dict[tuple[str, str, int], list[Cell]] = field(default_factory=dict)
    warm: list[tuple[str, int, Cell]] = field(default_factory=list)
    """(scenario, concurrency, cell) of every warm-up: not reported, but its writes count."""

    def sent(self, scenario: str) -> tuple[int, int]:
        """Requests wrk counted for a scenario, and how many more could have been in flight."""
        cells = [(level, cell) for name, level, cell in self.warm if name == scenario]
        cells += [
            (level, cell)
            for (name, _, level), found in self.cells.items()
            if name == scenario
            for cell in found
        ]
        return sum(cell.requests for _, cell in cells), sum(level for level, _ in cells)

    def add(self, scenario: str, contender: str, concurrency: int, cell: Cell) -> None:
        self.cells.setdefault((scenario, contender, concurrency), []).append(cell)

    def median(self, scenario: str, contender: str, concurrency: int) -> Median | None:
        found = self.cells.get((scenario, contender, concurrency))
        if not found:
            return None
        return Median(
            rps=statistics.median(cell.rps for cell in found),
            p50_ms=statistics.median(cell.p50_ms for cell in found),
            p99_ms=statistics.median(cell.p99_ms for cell in found),
            requests=sum(cell.requests for cell in found),
        )


def call_of(scenario: Scenario, contender: Contender) -> Call:
    calls = {
        "parley": scenario.parley,
        "handwritten": scenario.handwritten,
        "postgraphile": scenario.postgraphile,
    }
    return calls[contender.kind]


def targets_of(scenario: Scenario, contender: Contender) -> tuple[str, ...] | None:
    """Writes spread over the writers' conversations: PostGraphile names them by row id."""
    if scenario.writes is None:
        return None
    ids, rows = scenario.writes
    return rows if contender.kind == "postgraphile" else ids


def concurrencies(scenario: Scenario) -> tuple[int, ...]:
    return (1,) if scenario.badge_only else CONCURRENCY


def _cell(
    plan: Plan, scenario: Scenario, contender: Contender, concurrency: int, tag: str, seconds: float
) -> Cell:
    cell = wrk.run(
        contender.url,
        call_of(scenario, contender),
        concurrency,
        seconds,
        f"{plan.run_tag}-{tag}-{concurrency}-{contender.port}",
        targets_of(scenario, contender),
    )
    if cell.errors:
        raise SystemExit(
            f"bench: {contender.name} answered {cell.errors} of {cell.requests} requests of "
            f"{scenario.name} (c={concurrency}) with errors; see bench/.peers/logs/"
        )
    return cell


def takes_part(scenario: Scenario, contender: Contender) -> bool:
    """The badge's growth is timed with one Parley process: a second adds nothing at c=1."""
    return not (scenario.badge_only and contender.name == TWO)


def run(
    plan: Plan,
    scenarios: list[Scenario],
    contenders: list[Contender],
    log: Callable[[str], None],
) -> Results:
    results = Results()
    for scenario in scenarios:
        for concurrency in concurrencies(scenario):
            for contender in (item for item in contenders if takes_part(scenario, item)):
                cell = _cell(plan, scenario, contender, concurrency, "warm", plan.warmup_seconds)
                results.warm.append((scenario.name, concurrency, cell))
    log("warmed up every cell")
    for round_ in range(plan.rounds):
        order = contenders[round_ % len(contenders) :] + contenders[: round_ % len(contenders)]
        for scenario in scenarios:
            for concurrency in concurrencies(scenario):
                for contender in (item for item in order if takes_part(scenario, item)):
                    tag = f"r{round_}"
                    cell = _cell(plan, scenario, contender, concurrency, tag, plan.seconds)
                    results.add(scenario.name, contender.name, concurrency, cell)
                    log(
                        f"round {round_ + 1}/{plan.rounds} {scenario.name:<10} c={concurrency:<2} "
                        f"{contender.name:<12} {cell.rps:8.1f} req/s  p50 {cell.p50_ms:7.2f} ms  "
                        f"p99 {cell.p99_ms:7.2f} ms"
                    )
    return results
