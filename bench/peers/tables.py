"""Markdown tables and ratios as bench/results.md writes them, for every section of the report."""


def ratio(top: float | None, bottom: float | None) -> float | None:
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


def times(value: float | None, target: float | None = None, higher: bool = True) -> str:
    """A ratio as `1.23×`, marked ✓ or ✗ against a target (at least it, or at most it)."""
    if value is None:
        return "–"
    text = f"{value:.2f}×"
    if target is None:
        return text
    met = value >= target if higher else value <= target
    return f"{text} {'✓' if met else '✗'}"


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines
