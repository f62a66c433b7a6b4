"""Statements per request, from PostgreSQL's own statement log.

Only the bench's database logs, and only while counting: `ALTER DATABASE … SET log_statement`
applies to connections opened afterwards, so the contenders are started inside `logging()` and
stopped before it ends; the setting is reset on the way out, whatever happens. Every round trip a
client makes is one log entry (a simple query, or the execute of a prepared one); asyncpg's pool
reset and transaction control are told apart because they are what a single connection per
request saves.
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.statementlog import ENTRY_MARKERS as _ENTRY_MARKERS

HEAD = 110
"""Characters of a statement shown in the report: enough to tell them apart."""
_TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "SAVEPOINT", "RELEASE")


@dataclass(frozen=True)
class Counted:
    total: float
    """Round trips per request."""
    resets: float
    """Of which asyncpg's pool reset (`SELECT pg_advisory_unlock_all(); CLOSE ALL; …`)."""
    transaction: float
    """Of which BEGIN / COMMIT / ROLLBACK / savepoints."""
    heads: tuple[tuple[str, float], ...] = ()
    """Each distinct statement's opening words and how often a request sent it."""


def _text(entry: str) -> str:
    """The statement itself, without the log's `statement:` or `execute <name>:` in front."""
    return entry.split(": ", 2)[-1].strip()


def _head(entry: str) -> str:
    words = " ".join(_text(entry).split())
    return words if len(words) <= HEAD else words[: HEAD - 1] + "…"


def _classify(entry: str) -> str:
    text = _text(entry).upper()
    if "PG_ADVISORY_UNLOCK_ALL" in text:
        return "reset"
    if text.startswith(_TRANSACTION):
        return "transaction"
    return "statement"


def count(
    log: Path,
    database: str,
    send: Callable[[int], None],
    requests: int,
    backends: Callable[[], set[int]],
) -> Counted:
    """Sends `requests` requests one at a time and counts the entries they caused on the
    `backends` that serve the contender (asked once the requests are answered, while its pool
    still holds the connections they used)."""
    start = log.stat().st_size
    for index in range(requests):
        send(index)
    ours = {f" [{pid}] " for pid in backends()}
    time.sleep(0.5)  # the server writes its log asynchronously
    with log.open("rb") as file:
        file.seek(start)
        text = file.read().decode(errors="replace")
    kinds = {"reset": 0, "transaction": 0, "statement": 0}
    heads: Counter[str] = Counter()
    for line in text.splitlines():
        if f"@{database} " not in line or not any(pid in line for pid in ours):
            continue
        for marker in _ENTRY_MARKERS:
            if marker in line:
                entry = line[line.index(marker) :]
                kinds[_classify(entry)] += 1
                heads[_head(entry)] += 1
    total = sum(kinds.values())
    return Counted(
        total=total / requests,
        resets=kinds["reset"] / requests,
        transaction=kinds["transaction"] / requests,
        heads=tuple((head, n / requests) for head, n in heads.most_common()),
    )
