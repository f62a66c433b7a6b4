"""Statements the measured database receives, read from PostgreSQL's own statement log
(turned on by bench/statementlog.py while the idle server runs). The bench's own look-ups use the
`postgres` database and are never counted."""

from collections import Counter
from pathlib import Path

from bench.statementlog import ENTRY_MARKERS as _MARKERS


def offset(log: Path) -> int:
    return log.stat().st_size


def statements_since(log: Path, start: int, database: str) -> Counter[str]:
    """Each statement logged for `database` since `start`, by its first 90 characters."""
    with log.open("rb") as file:
        file.seek(start)
        text = file.read().decode(errors="replace")
    found: Counter[str] = Counter()
    for line in text.splitlines():
        if f"@{database} " not in line:
            continue
        for marker in _MARKERS:
            if marker in line:
                entry = line[line.index(marker) + len(marker) :]
                if marker.endswith("execute "):
                    entry = entry.split(": ", 1)[-1]
                found[" ".join(entry.split())[:90]] += 1
    return found
