"""Interleaved timing: every case of a table runs in every round, in a rotating order.

A slow moment of the machine then lands on all cases of a round instead of on one, and each
case's batch is sized to take about the same wall time, so fast and slow cases are sampled alike.
"""

import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from math import sqrt

Call = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Budget:
    rounds: int
    slice_seconds: float
    """Wall time one case takes in one round."""
    warmup: int = 3


@dataclass(frozen=True)
class Case:
    name: str
    call: Call


@dataclass(frozen=True)
class Timing:
    mean_us: float
    spread: float
    """Half-width of the mean's ~95% confidence interval, relative to the mean: 2·s/√rounds."""
    iterations: int
    rounds: tuple[float, ...] = ()
    """Each round's mean µs per call, in round order (paired across a table's cases)."""

    @property
    def per_second(self) -> float:
        return 1e6 / self.mean_us


async def _once_us(call: Call) -> float:
    start = time.perf_counter_ns()
    await call()
    return (time.perf_counter_ns() - start) / 1000


async def _batch_size(case: Case, budget: Budget) -> int:
    for _ in range(budget.warmup):
        await case.call()
    single = min([await _once_us(case.call) for _ in range(3)])
    return max(1, round(budget.slice_seconds * 1e6 / single))


async def _run_batch(call: Call, size: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(size):
        await call()
    return (time.perf_counter_ns() - start) / 1000 / size


async def measure(cases: Sequence[Case], budget: Budget) -> dict[str, Timing]:
    """Mean µs per call of each case, from `budget.rounds` interleaved rounds."""
    sizes = {case.name: await _batch_size(case, budget) for case in cases}
    rounds: dict[str, list[float]] = {case.name: [] for case in cases}
    gc.collect()
    for number in range(budget.rounds):
        shift = number % len(cases)
        for case in [*cases[shift:], *cases[:shift]]:
            rounds[case.name].append(await _run_batch(case.call, sizes[case.name]))
    return {name: _summary(values, sizes[name]) for name, values in rounds.items()}


def _summary(values: list[float], size: int) -> Timing:
    mean = statistics.fmean(values)
    spread = 2 * statistics.stdev(values) / sqrt(len(values)) / mean if len(values) > 1 else 0.0
    return Timing(mean_us=mean, spread=spread, iterations=size * len(values), rounds=tuple(values))
