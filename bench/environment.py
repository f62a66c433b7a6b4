"""The report's header: what was measured, on what, so two runs can be compared fairly."""

import os
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

from bench.database import Target
from bench.runner import Bench
from resolvers.database.sql import db

PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "tortoise-orm", "pypika-tortoise")
DRIVERS = {"postgres": "asyncpg", "sqlite": "aiosqlite"}


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


async def _server_version(dialect: str) -> str:
    if dialect == "postgres":
        rows = await db().execute_query_dict("SHOW server_version")
        return f"PostgreSQL {rows[0]['server_version']}"
    rows = await db().execute_query_dict("SELECT sqlite_version() AS v")
    return f"SQLite {rows[0]['v']}"


async def header(bench: Bench, target: Target, mode: str) -> None:
    data, budget = bench.data, bench.budget
    packages = [*PACKAGES, DRIVERS[target.dialect]]
    report = bench.report
    report.line(f"Parley benchmarks ({mode}), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    report.line(f"database : {await _server_version(target.dialect)} at {target.label}")
    report.line(
        f"data     : {data.conversations:,} conversations ({data.messages:,} messages, "
        f"{data.variables:,} variables), and another tenant as large"
    )
    report.line(
        f"python   : {platform.python_implementation()} {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, asyncio event loop"
    )
    report.line("libraries: " + ", ".join(f"{name} {_version(name)}" for name in packages))
    report.line(
        f"method   : in-process ASGI calls, one at a time; each table's cases interleaved over "
        f"{budget.rounds} rounds of ~{budget.slice_seconds * 1000:.0f} ms each"
    )
    report.line(
        "±        : ~95% confidence half-width of each mean (2·stdev/√rounds of the round means)"
    )
