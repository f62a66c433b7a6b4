"""What every table shares: the running app, a probe of each case, then interleaved timing.

Each case is first run once with statement logging on (to count statements and fields and to
check the answer), then timed with logging off.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench.client import GraphQLClient, Request
from bench.report import Report
from bench.seed import Dataset
from bench.timing import Budget, Case, Timing, measure
from tests.support.statements import Statement, recording


@dataclass(frozen=True)
class Bench:
    client: GraphQLClient
    """Authenticated with the measured workspace's secret key."""
    anonymous: GraphQLClient
    data: Dataset
    budget: Budget
    dialect: str
    report: Report


@dataclass(frozen=True)
class Spec:
    name: str
    request: Request
    baseline: str | None = None
    """The case this one's ratio is taken against; None for a table's own baseline."""
    anonymous: bool = False


@dataclass(frozen=True)
class Probe:
    data: Any
    statements: list[Statement]

    @property
    def fields(self) -> int:
        """Resolved fields: every key in the response's `data`."""
        return count_fields(self.data)

    def statement(self, marker: str) -> Statement | None:
        """The first statement whose SQL contains `marker`, to explain its plan; None when the
        case sent none (a badge answered from the count table reads no conversation rows)."""
        return next((found for found in self.statements if marker in found.sql), None)


@dataclass(frozen=True)
class Result:
    spec: Spec
    probe: Probe
    timing: Timing


def count_fields(value: Any) -> int:
    if isinstance(value, dict):
        return sum(1 + count_fields(item) for item in value.values())
    if isinstance(value, list):
        return sum(count_fields(item) for item in value)
    return 0


def _client(bench: Bench, spec: Spec) -> GraphQLClient:
    return bench.anonymous if spec.anonymous else bench.client


async def probe(bench: Bench, spec: Spec) -> Probe:
    with recording() as log:
        data = await _client(bench, spec).data(spec.request)
    return Probe(data=data, statements=log.statements)


async def run_table(bench: Bench, specs: Sequence[Spec]) -> dict[str, Result]:
    """Probes every case, then times them all interleaved; keyed by case name."""
    probes = {spec.name: await probe(bench, spec) for spec in specs}
    cases = [Case(spec.name, partial(_client(bench, spec).send, spec.request)) for spec in specs]
    timings = await measure(cases, bench.budget)
    return {spec.name: Result(spec, probes[spec.name], timings[spec.name]) for spec in specs}


def ratio_to_baseline(results: dict[str, Result], name: str) -> float:
    result = results[name]
    if result.spec.baseline is None:
        return 1.0
    return result.timing.mean_us / results[result.spec.baseline].timing.mean_us
