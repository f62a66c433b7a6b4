"""`python -m bench.peers`: Parley vs PostGraphile 5 vs a hand-written endpoint, one run.

Loads the data set if it is not there yet, counts statements per request from PostgreSQL's log,
checks every contender's answers, times every cell with wrk, then prints the ratios and writes
bench/results.md (not in --quick mode, whose figures are too short to quote).
"""

import argparse
import asyncio
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import asyncpg

from bench.peers import (
    checks,
    dataset,
    machine,
    measure,
    postgraphile,
    results,
    servers,
    statements,
)
from bench.peers.backends import backends_of
from bench.peers.dataset import WRITERS, Dataset
from bench.peers.scenarios import Call, Scenario, build
from bench.peers.servers import TWO, Contender
from bench.report import progress
from bench.statementlog import database_name, log_file, logging
from resolvers.ids import encode_id

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/parley_peer_bench"
RESULTS = Path(__file__).resolve().parent.parent / "results.md"
WRITER_CONVERSATIONS = 1000
STATEMENT_REQUESTS = 20


@dataclass(frozen=True)
class Options:
    database: str
    plan: measure.Plan
    quick: bool
    only: tuple[str, ...]
    port: int
    count_statements: bool


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__)
    parser.add_argument("--database", default=os.environ.get("PEER_BENCH_DATABASE_URL"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4, help="per timed cell (4)")
    parser.add_argument("--warmup", type=float, default=2, help="per cell, once (2)")
    parser.add_argument("--quick", action="store_true", help="1 round of 1 s cells; no file")
    parser.add_argument(
        "--only", action="append", help="scenario name, e.g. 'A 10k', D or 'List 100k'"
    )
    parser.add_argument("--port", type=int, default=8310, help="first of four ports (8310)")
    parser.add_argument("--no-statements", action="store_true", help="skip the statement count")
    arguments = parser.parse_args(argv)
    rounds, seconds, warmup = arguments.rounds, arguments.seconds, arguments.warmup
    if arguments.quick:
        rounds, seconds, warmup = 1, 1, 1
    tag = f"{datetime.now(UTC):%Y%m%d%H%M%S}"
    return Options(
        database=arguments.database or DEFAULT_DATABASE,
        plan=measure.Plan(rounds=rounds, seconds=seconds, warmup_seconds=warmup, run_tag=tag),
        quick=arguments.quick,
        only=tuple(arguments.only or ()),
        port=arguments.port,
        count_statements=not arguments.no_statements,
    )


async def _writers(url: str, data: Dataset) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The open conversations D spreads its writes over, as Parley IDs and as row ids."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT id FROM conversation WHERE workspace_id = $1 AND status = 'ACTIVE' "
            "ORDER BY id LIMIT $2",
            data.tenants[WRITERS.name].workspace_id,
            WRITER_CONVERSATIONS,
        )
    finally:
        await connection.close()
    ids = [row["id"] for row in rows]
    return tuple(encode_id("Conversation", pk) for pk in ids), tuple(str(pk) for pk in ids)


def _urls(chosen: list[Contender]) -> dict[str, str]:
    """One contender of each kind (Parley's first) to check answers against."""
    found: dict[str, str] = {}
    for contender in chosen:
        found.setdefault(contender.kind, contender.url)
    return found


def _check(scenarios: list[Scenario], chosen: list[Contender], tag: str) -> None:
    urls = _urls(chosen)
    for scenario in scenarios:
        if scenario.writes is None:
            checks.check_reads(scenario, urls)
        else:
            checks.check_write(scenario, urls, tag)
    progress("every contender's answers checked")


@dataclass(frozen=True)
class _Sender:
    """Sends request `index` of a scenario to one contender (writes: each to its own target)."""

    url: str
    call: Call
    targets: tuple[str, ...] | None
    tag: str

    def __call__(self, index: int) -> None:
        body = None
        if self.targets is not None:
            target = self.targets[index % len(self.targets)]
            body = checks.fill(self.call.body, target, f"{self.tag}-{index}")
        checks.post(self.url, self.call, body)


def _count(
    options: Options, scenarios: list[Scenario], chosen: list[Contender]
) -> dict[tuple[str, str], statements.Counted]:
    log = log_file()
    if log is None or not os.access(log, os.R_OK):
        progress("statement count skipped: PostgreSQL's log is not readable here")
        return {}
    counted = {}
    single = [contender for contender in chosen if contender.name != TWO]
    name = database_name(options.database)
    with logging(options.database):
        running = servers.start(single)
        try:
            for scenario in (item for item in scenarios if not item.badge_only):
                for contender, process in zip(single, running, strict=True):
                    send = _Sender(
                        contender.url,
                        measure.call_of(scenario, contender),
                        measure.targets_of(scenario, contender),
                        f"{options.plan.run_tag}-stmt-{contender.port}",
                    )
                    for index in range(3):  # warm: caches, prepared statements, the key
                        send(STATEMENT_REQUESTS + index)
                    counted[(scenario.name, contender.name)] = statements.count(
                        log,
                        name,
                        send,
                        STATEMENT_REQUESTS,
                        partial(backends_of, options.database, process.group),
                    )
        finally:
            servers.stop(running)
    progress("statements counted")
    return counted


def main(options: Options) -> None:
    started = time.perf_counter()
    if postgraphile.installed_version() is None:
        raise SystemExit("bench: PostGraphile is missing; `make bench` installs it in bench/.peers")
    loading = time.perf_counter()
    data = asyncio.run(dataset.ensure(options.database, dataset.TENANTS))
    loading = time.perf_counter() - loading
    asyncio.run(postgraphile.install_function(options.database))
    scenarios = build(data, asyncio.run(_writers(options.database, data)))
    if options.only:
        scenarios = [item for item in scenarios if item.name in options.only]
    chosen = servers.contenders(options.database, options.port)
    counted = _count(options, scenarios, chosen) if options.count_statements else {}
    commit = machine.commit()
    running = servers.start(chosen)
    try:
        _check(scenarios, chosen, options.plan.run_tag)
        timed = measure.run(options.plan, scenarios, chosen, progress)
    finally:
        servers.stop(running)
    asyncio.run(dataset.check_totals(options.database, data))
    for scenario in scenarios:
        if scenario.writes is not None:
            sent = timed.sent(scenario.name)
            checks.check_writes_landed(options.database, options.plan.run_tag, sent)
    report = results.Report(
        options=results.RunOptions(
            rounds=options.plan.rounds,
            seconds=options.plan.seconds,
            warmup_seconds=options.plan.warmup_seconds,
            database=options.database,
        ),
        data=data,
        scenarios=scenarios,
        contenders=chosen,
        timed=timed,
        counted=counted,
        setup_seconds=loading,
        total_seconds=time.perf_counter() - started,
        commit=commit,
    )
    text = asyncio.run(results.render(report))
    print(text)
    if options.quick or options.only:
        progress("not written to bench/results.md: a quick or partial run")
        return
    RESULTS.write_text(text)
    progress(f"written to {RESULTS}")


if __name__ == "__main__":
    main(parse())
