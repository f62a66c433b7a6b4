"""PostgreSQL's own statement log, turned on for one bench database while something is counted.

`ALTER DATABASE … SET log_statement = 'all'` applies to connections opened afterwards, so what is
counted is started inside `logging()`; the setting is reset on the way out, whatever happens, and
no other database ever logs. Debian's log line prefix names `user@database`, which is how a
counter keeps to its own database. Shared by the peer bench (statements per request) and the live
bench (statements while idle).
"""

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

LOG_FOLDER = Path("/var/log/postgresql")
ENTRY_MARKERS = ("LOG:  statement: ", "LOG:  execute ")
"""What starts a statement's entry: a simple query, or the execute of a prepared one."""


def log_file() -> Path | None:
    """The server's log: PEER_BENCH_PG_LOG, or the newest file Debian's cluster writes."""
    given = os.environ.get("PEER_BENCH_PG_LOG")
    if given:
        return Path(given)
    found = sorted(LOG_FOLDER.glob("postgresql-*.log"), key=lambda path: path.stat().st_mtime)
    return found[-1] if found else None


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def _set(url: str, on: bool) -> None:
    quoted = '"' + database_name(url).replace('"', '""') + '"'
    connection = await asyncpg.connect(url)
    try:
        setting = "SET log_statement = 'all'" if on else "RESET log_statement"
        await connection.execute(f"ALTER DATABASE {quoted} {setting}")
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
