"""`python -m bench [--quick]`: seeds a database, runs every table, writes results-<dialect>.txt."""

import argparse
import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench import depth, edge, explain, fields, filters, pages
from bench.client import GraphQLClient, Request
from bench.database import Target, bench_database
from bench.environment import header
from bench.report import Report, progress
from bench.runner import Bench
from bench.seed import seed
from bench.timing import Budget
from resolvers.limits.bounds import Bounds
from resolvers.limits.ratelimits import EdgeLimits
from server.app import create_app
from server.database import apply_migrations
from server.settings import Settings
from server.settings_concerns import DatabaseSettings, HttpSettings

HERE = Path(__file__).resolve().parent
FULL = Budget(rounds=40, slice_seconds=0.08)
QUICK = Budget(rounds=7, slice_seconds=0.02, warmup=2)
MINIMUM_CONVERSATIONS = 150
"""Enough for a page of 100 and a middle page that is neither the first nor the last."""


TABLES = {"pages": pages, "fields": fields, "depth": depth, "filters": filters, "edge": edge}


@dataclass(frozen=True)
class Options:
    quick: bool
    conversations: int
    only: tuple[str, ...] = tuple(TABLES)

    @property
    def budget(self) -> Budget:
        return QUICK if self.quick else FULL

    @property
    def mode(self) -> str:
        return "quick" if self.quick else "full"


def parse(argv: list[str] | None, env: Mapping[str, str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small data and few rounds: about 30 s"
    )
    parser.add_argument(
        "--only", action="append", choices=tuple(TABLES), help="run this table (repeatable)"
    )
    arguments = parser.parse_args(argv)
    quick = arguments.quick
    raw = env.get("BENCH_CONVERSATIONS")
    conversations = int(raw) if raw else (400 if quick else 2000)
    if conversations < MINIMUM_CONVERSATIONS:
        parser.error(f"BENCH_CONVERSATIONS must be at least {MINIMUM_CONVERSATIONS}")
    only = tuple(arguments.only) if arguments.only else tuple(TABLES)
    return Options(quick=quick, conversations=conversations, only=only)


async def _tables(bench: Bench, only: tuple[str, ...]) -> list[str]:
    checks, plans = [], []
    for table in (TABLES[name] for name in only):
        progress(f"timing {table.__name__}")
        found, explained = await table.run(bench)
        checks += found
        plans += explained
    if plans:
        checks += await explain.section(bench, plans)
    return checks


async def _measure(target: Target, options: Options, report: Report) -> None:
    # No sweeper: it would end the seeded conversations while they are being measured. No cost
    # points budget: pages of 100 would spend a minute's within seconds (table 4 times the edge
    # with its defaults).
    settings = Settings(
        database=DatabaseSettings(url=target.url),
        http=HttpSettings(graphiql=False),
        bounds=Bounds(sweep_interval_seconds=0),
        edge_limits=EdgeLimits(points_per_minute=0),
    )
    progress(f"migrating {target.label}")
    await apply_migrations(settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        progress(f"seeding {options.conversations:,} conversations per workspace")
        data = await seed(options.conversations)
        bench = Bench(
            client=GraphQLClient(app, data.key),
            anonymous=GraphQLClient(app, None),
            data=data,
            budget=options.budget,
            dialect=target.dialect,
            report=report,
        )
        await bench.client.send(Request.of("{ __typename }"))  # records the key's first use
        await header(bench, target, options.mode)
        checks = await _tables(bench, options.only)
        report.heading("Checks")
        for check in checks:
            report.line(check)


async def main(options: Options) -> Path | None:
    """Writes results-<dialect>.txt when every table ran; a partial run only prints."""
    report = Report()
    async with bench_database(os.environ) as target:
        await _measure(target, options, report)
        path = HERE / f"results-{target.dialect}.txt"
    if options.only != tuple(TABLES):
        return None
    path.write_text(report.text())
    return path


if __name__ == "__main__":
    written = asyncio.run(main(parse(None, os.environ)))
    progress(f"written to {written}" if written else "not written: some tables were left out")
