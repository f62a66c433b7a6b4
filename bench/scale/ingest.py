"""The ingest ratio: `sendMessage` with usage through `parley serve` against the raw reference
writing the same rows, with 8 and 32 writers over many conversations of one workspace, on 1 and
2 processes. Contenders are interleaved round by round (every round measures every cell of
every contender, in the same order) and each figure is the median of the rounds.

Parley's server runs only while Parley is measured: its processes listen for NOTIFY and wake
their webhook workers on every commit, the raw reference's included, and would charge the
reference for Parley's housekeeping. The raw reference on N processes is N client processes
sharing the writers; Parley's writers are one process over keep-alive HTTP.
"""

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.live.setup import plain_dsn as plain
from bench.scale import reference, servers

PARLEY = "Parley"


@dataclass(frozen=True)
class Timing:
    rounds: int
    warmup: float
    seconds: float


@dataclass(frozen=True)
class Setup:
    url: str
    key: str
    workspace: int
    conversations: list[int]
    logs: Path


@dataclass
class Ingest:
    contenders: list[str]
    cells: list[tuple[int, int]]
    """(processes, writers)."""
    rps: dict[tuple[str, int, int], list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_errors: dict[str, str] = field(default_factory=dict)

    def median(self, contender: str, processes: int, writers: int) -> float | None:
        found = self.rps.get((contender, processes, writers))
        return statistics.median(found) if found else None


def raw_name(shape: reference.EventWrite) -> str:
    return f"raw, event {shape.name}"


def _plan(setup: Setup, timing: Timing, lanes: int, tag: str, begin: float) -> dict[str, Any]:
    return {
        "conversations": setup.conversations,
        "workspace": setup.workspace,
        "lanes": lanes,
        "begin_at": begin,
        "warmup": timing.warmup,
        "seconds": timing.seconds,
        "tag": tag,
    }


def _measure(
    ingest: Ingest, contender: str, cell: tuple[int, int], plans: list[dict[str, Any]], setup: Setup
) -> float:
    timeout = plans[0]["warmup"] + plans[0]["seconds"] + 60
    results = servers.writers(plans, setup.logs, timeout)
    messages = sum(result["messages"] for result in results)
    rps = float(messages / results[0]["seconds"])
    ingest.rps[(contender, *cell)].append(rps)
    for result in results:
        ingest.errors[contender] += result["errors"]
        if result["first_error"]:
            ingest.first_errors.setdefault(contender, result["first_error"])
    print(f"    {contender}, {cell[0]} process(es), {cell[1]} writers: {rps:,.0f} rps", flush=True)
    return rps


def run(
    setup: Setup,
    timing: Timing,
    mirrored: reference.EventWrite,
    processes: tuple[int, ...] = (1, 2),
    writers: tuple[int, ...] = (8, 32),
) -> Ingest:
    shapes = [mirrored] if mirrored == reference.TODAY else [mirrored, reference.TODAY]
    ingest = Ingest([PARLEY, *(raw_name(shape) for shape in shapes)], [])
    ingest.cells = [(p, w) for p in processes for w in writers]
    for round_number in range(1, timing.rounds + 1):
        print(f"  ingest round {round_number} of {timing.rounds}", flush=True)
        for count in processes:
            server = servers.parley(f"ingest-{count}", setup.url, setup.logs, count)
            try:
                for lanes in writers:
                    tag = f"ingest-r{round_number}-p{count}-w{lanes}-{time.time():.0f}"
                    plan = _plan(setup, timing, lanes, tag, time.time() + 2.0)
                    plan |= {"target": "parley", "url": server.http, "key": setup.key}
                    _measure(ingest, PARLEY, (count, lanes), [plan], setup)
            finally:
                servers.stop(server)
            for shape in shapes:
                for lanes in writers:
                    tag = f"raw-r{round_number}-p{count}-w{lanes}-{shape.numbers}-{time.time():.0f}"
                    begin = time.time() + 2.0
                    plans = [
                        _plan(
                            setup, timing, lanes // count + (i < lanes % count), f"{tag}-{i}", begin
                        )
                        | {"target": "raw", "dsn": plain(setup.url), "event": shape.name}
                        for i in range(count)
                    ]
                    _measure(ingest, raw_name(shape), (count, lanes), plans, setup)
    return ingest
