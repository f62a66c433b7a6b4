"""Percentiles of latencies, in milliseconds."""

from typing import Any


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(seconds: list[float]) -> dict[str, Any]:
    """n, p50, p99 and max in ms; None for each figure when there is nothing to summarise."""
    if not seconds:
        return {"n": 0, "p50": None, "p99": None, "max": None}
    return {
        "n": len(seconds),
        "p50": percentile(seconds, 0.5) * 1000,
        "p99": percentile(seconds, 0.99) * 1000,
        "max": max(seconds) * 1000,
    }
