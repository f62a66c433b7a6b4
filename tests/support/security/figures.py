"""What the hostile tests tried and what got through, printed as one line at the end of the run
(tests/security/conftest.py). Every figure that got through must be 0; each test asserts its own.
"""

from collections import Counter

examples = 0
"""Requests sent with generated input (tests/security/test_fuzz.py)."""
failures = 0
"""Of those, answers that were a 5xx or carried INTERNAL_SERVER_ERROR."""

CATEGORIES = (
    "documents tried past each limit and accepted",
    "anonymous requests that did work before being refused",
    "foreign-workspace reads answered",
    "escalations allowed",
    "floods let through beyond each limit across 2 worker processes",
    "oversized bodies accepted",
    "tracebacks or secrets leaked",
)
tried: Counter[str] = Counter()
through: Counter[str] = Counter()


def tally(category: str, attempts: int, got_through: int) -> None:
    assert category in CATEGORIES, category
    tried[category] += attempts
    through[category] += got_through


def summary() -> str:
    parts = []
    for category in CATEGORIES:
        if tried[category]:
            parts.append(f"{category}: {through[category]} (of {tried[category]})")
        else:
            parts.append(f"{category}: not run here")
    fuzz = f"{failures} (of {examples})" if examples else "not run here"
    parts.insert(6, f"5xx or INTERNAL from fuzzing: {fuzz}")
    return "security: " + "; ".join(parts)
