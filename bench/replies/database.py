"""The bench's own PostgreSQL database (created fresh each run and dropped at its end), and the
two ways it counts what the replies wrote:

- rows: `n_tup_ins + n_tup_upd + n_tup_del` of every table, from `pg_stat_user_tables`, read
  after the server process has exited (a backend flushes its counts when it closes);
- write transactions: PostgreSQL's own statement log (bench/statementlog.py, this database
  only) grouped by backend: the statements between BEGIN and COMMIT are one transaction, any
  other statement its own; a transaction writes when one of its statements is an INSERT, UPDATE
  or DELETE (a data-modifying CTE included).
"""

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench.live.setup import bench_database_url
from bench.live.setup import plain_dsn as _plain
from bench.statementlog import ENTRY_MARKERS

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/parley_replies_bench"
WRITING = re.compile(
    r"\b(?:INSERT\s+INTO|(?<!FOR\s)UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?", re.IGNORECASE
)
REPLY_TABLES = frozenset({"message", "conversation", "conversation_event", "workspace"})
"""What a reply writes: its message, its conversation's totals, its events and their number."""
QUEUES_TURN = re.compile(r"\bINSERT\s+INTO\s+\"?turn\b", re.IGNORECASE)
LINE = re.compile(r"\[(\d+)\] \S+@(\S+) ")


def database_url() -> str:
    return bench_database_url("REPLY_BENCH_DATABASE_URL", DEFAULT_URL)


async def _rows(url: str) -> Counter[str]:
    connection = await asyncpg.connect(_plain(url))
    try:
        found = await connection.fetch(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS n FROM pg_stat_user_tables"
        )
    finally:
        await connection.close()
    return Counter({row["relname"]: int(row["n"]) for row in found})


def rows_written(url: str) -> Counter[str]:
    """Rows inserted, updated or deleted so far, by table (what closed backends reported)."""
    return asyncio.run(_rows(url))


@dataclass(frozen=True)
class Writes:
    transactions: Counter[tuple[str, ...]]
    """Transactions that wrote, by the tables each wrote."""
    statements: Counter[str]
    """Writing statements by their first 70 characters."""
    queued: int = 0
    """Transactions that queued a turn for the engine (a visitor's sendMessage)."""

    @property
    def total(self) -> int:
        return sum(self.transactions.values())

    @property
    def replies(self) -> int:
        """Those that wrote a reply's tables (the rest: sockets' leases, housekeeping)."""
        return sum(n for tables, n in self.transactions.items() if REPLY_TABLES & set(tables))

    @property
    def turns(self) -> int:
        """Those that wrote a reply's tables or the engine's turns, but for the visitors'
        messages that queued them: what the engine's replies cost, claims and ends included."""
        touched = REPLY_TABLES | {"turn"}
        return sum(n for tables, n in self.transactions.items() if touched & set(tables)) - (
            self.queued
        )


def _statement(line: str, database: str) -> tuple[str, str] | None:
    """A statement-log line's backend and SQL, when it is one of `database`'s statements."""
    head = LINE.search(line)
    if head is None or head.group(2) != database:
        return None
    entry = next((line[line.index(m) + len(m) :] for m in ENTRY_MARKERS if m in line), None)
    if entry is None:
        return None
    if "execute " in line and ": " in entry:
        entry = entry.split(": ", 1)[1]
    return head.group(1), " ".join(entry.split())


def writes_since(log: Path, start: int, database: str) -> Writes:
    """What the database's statement log holds since `start`: its write transactions."""
    with log.open("rb") as file:
        file.seek(start)
        text = file.read().decode(errors="replace")
    open_by_backend: dict[str, set[str]] = {}
    """Backends inside BEGIN … COMMIT, and the tables that transaction wrote so far."""
    queuing: set[str] = set()
    """Backends inside a transaction that queued a turn."""
    transactions: Counter[tuple[str, ...]] = Counter()
    statements: Counter[str] = Counter()
    queued = 0
    for line in text.splitlines():
        if (found := _statement(line, database)) is None:
            continue
        pid, sql = found
        word = sql.split(" ", 1)[0].rstrip(";").upper()
        if word in ("BEGIN", "START"):
            open_by_backend[pid] = set()
            queuing.discard(pid)
            continue
        if word in ("COMMIT", "END", "ROLLBACK"):
            wrote = open_by_backend.pop(pid, set())
            if wrote and word != "ROLLBACK":
                transactions[tuple(sorted(wrote))] += 1
                queued += pid in queuing
            queuing.discard(pid)
            continue
        tables = {match.group(1).lower() for match in WRITING.finditer(sql)}
        if QUEUES_TURN.search(sql):
            if pid in open_by_backend:
                queuing.add(pid)
            else:
                queued += 1
        if tables:
            statements[sql[:70]] += 1
            if pid in open_by_backend:
                open_by_backend[pid] |= tables
            else:
                transactions[tuple(sorted(tables))] += 1
    return Writes(transactions, statements, queued)
