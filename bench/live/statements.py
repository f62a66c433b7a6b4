"""Statements the measured database receives, from PostgreSQL's own statement log.

`ALTER DATABASE … SET log_statement = 'all'` applies to connections opened afterwards, so the
idle server is started inside `logging()`; the setting is reset on the way out. The bench's own
look-ups use the `postgres` database and are never counted.
"""

import asyncio
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from bench.live.setup import database_name, maintenance_url

LOG = Path("/var/log/postgresql/postgresql-15-main.log")
_MARKERS = ("LOG:  statement: ", "LOG:  execute ")


def log_file() -> Path | None:
    if LOG.exists():
        return LOG
    found = sorted(LOG.parent.glob("postgresql-*.log"), key=lambda path: path.stat().st_mtime)
    return found[-1] if found else None


async def _set(url: str, on: bool) -> None:
    name = database_name(url)
    connection = await asyncpg.connect(maintenance_url(url))
    try:
        setting = "SET log_statement = 'all'" if on else "RESET log_statement"
        await connection.execute(f'ALTER DATABASE "{name}" {setting}')
    finally:
        await connection.close()


@contextmanager
def logging(url: str) -> Iterator[None]:
    """Every new connection to the bench's database logs its statements until the end."""
    asyncio.run(_set(url, True))
    try:
        yield
    finally:
        asyncio.run(_set(url, False))


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
