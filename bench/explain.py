"""Query plans of the statements the app actually sent, replayed with their own bound values.

A filter or a page that scans a whole table is fast on a small workspace and slow on a big one,
so timing alone cannot catch it: the plan says whether an index does the work.
"""

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from tortoise.transactions import in_transaction

from bench.runner import Bench
from resolvers.database.sql import db
from tests.support.statements import Statement

TABLES = {"conversation", "message", "variable", "assistant", "api_key", "workspace"}
_SQLITE_ALIASES = {"c": "conversation", "m": "message"}
_PG_SHOWN = {"Sort", "Incremental Sort", "WindowAgg", "HashAggregate", "GroupAggregate"}
_SQLITE_FULL_SCAN = re.compile(r"^SCAN (\w+)$")


@dataclass(frozen=True)
class Explained:
    label: str
    statement: Statement
    expects: str | None = None
    """An index the plan must use: a filter's own index, without which it reads row by row."""


@dataclass(frozen=True)
class Plan:
    steps: list[str]
    full_scans: list[str]
    """Tables of ours read from end to end."""
    index_usable: bool = False
    """With sequential scans disabled an index serves it: the scan was the planner's choice for a
    small table, not a missing index."""

    @property
    def verdict(self) -> str:
        if not self.full_scans:
            return "indexed"
        tables = ",".join(self.full_scans)
        return f"seq scan {tables} (index usable)" if self.index_usable else f"SEQ SCAN {tables}"


def _pg_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _pg_nodes(child)


def _pg_step(node: dict[str, Any]) -> str | None:
    kind = node["Node Type"]
    target = node.get("Index Name") or node.get("Relation Name")
    if target is not None:
        return f"{kind} {target}"
    return kind if kind in _PG_SHOWN else None


def _pg_plan(rows: list[dict[str, Any]]) -> Plan:
    document = rows[0]["QUERY PLAN"]
    tree = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    nodes = list(_pg_nodes(tree))
    steps = [step for node in nodes if (step := _pg_step(node)) is not None]
    scans = [
        node["Relation Name"]
        for node in nodes
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in TABLES
    ]
    return Plan(steps=steps, full_scans=scans)


async def _postgres_plan(statement: Statement) -> Plan:
    sql = f"EXPLAIN (FORMAT JSON) {statement.sql}"
    plan = _pg_plan(await db().execute_query_dict(sql, statement.values))
    if not plan.full_scans:
        return plan
    async with in_transaction() as connection:
        await connection.execute_script("SET LOCAL enable_seqscan = off")
        forced = _pg_plan(await connection.execute_query_dict(sql, statement.values))
    return replace(plan, index_usable=not forced.full_scans)


async def _sqlite_plan(statement: Statement) -> Plan:
    rows = await db().execute_query_dict(f"EXPLAIN QUERY PLAN {statement.sql}", statement.values)
    steps = [str(row["detail"]) for row in rows]
    scans = []
    for step in steps:
        if (found := _SQLITE_FULL_SCAN.match(step)) is not None:
            table = _SQLITE_ALIASES.get(found.group(1), found.group(1))
            if table in TABLES:
                scans.append(table)
    return Plan(steps=steps, full_scans=scans)


async def plan_of(statement: Statement, dialect: str) -> Plan:
    if dialect == "postgres":
        return await _postgres_plan(statement)
    return await _sqlite_plan(statement)


async def sql_us(statement: Statement, repeat: int = 5) -> float:
    """The statement alone through the ORM's connection (best of `repeat`): the SQL share."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        await db().execute_query(statement.sql, statement.values)
        best = min(best, (time.perf_counter_ns() - start) / 1000)
    return best


async def section(bench: Bench, explained: list[Explained]) -> list[str]:
    """Prints each statement's plan and its time alone; warns of a table no index can serve."""
    title = "EXPLAIN (FORMAT JSON)" if bench.dialect == "postgres" else "EXPLAIN QUERY PLAN"
    bench.report.heading(f"5. Query plans of the statements sent ({title})")
    rows, checks = [], []
    for item in explained:
        plan = await plan_of(item.statement, bench.dialect)
        elapsed = await sql_us(item.statement)
        missed = item.expects is not None and not any(item.expects in s for s in plan.steps)
        verdict = f"NOT {item.expects}" if missed else plan.verdict
        rows.append([item.label, verdict, f"{elapsed:,.0f}", "; ".join(plan.steps)])
        if plan.full_scans and not plan.index_usable:
            checks.append(f"WARN {item.label}: no index for {', '.join(plan.full_scans)}")
        if missed:
            checks.append(f"WARN {item.label}: its filter's index {item.expects} is not used")
    bench.report.table(["statement", "plan", "sql µs", "steps"], rows, frozenset({0, 1, 3}))
    bench.report.line("sql µs: the statement alone through the ORM connection, best of 5")
    if bench.dialect == "postgres":
        bench.report.line(
            "index usable: PostgreSQL chose a sequential scan of a small table, but with "
            "enable_seqscan off an index serves the statement"
        )
    bench.report.line("NOT <index>: the filter's own index is absent from the plan")
    return checks or ["ok   an index can serve every statement on conversation/message/variable"]
