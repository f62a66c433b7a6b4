"""The database the benchmark owns: DATABASE_URL if set, else a temporary SQLite file.

The benchmark rebuilds its database from scratch, so it refuses any database whose name does not
say `bench`: a stray DATABASE_URL pointing at real data (or at the test suite's `test`) is safe.
"""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from models.config import dialect_of


@dataclass(frozen=True)
class Target:
    url: str
    dialect: str
    temporary: bool = False

    @property
    def label(self) -> str:
        """The URL without its password, for the report header."""
        if self.temporary:
            return "a temporary file"
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))


def _require_disposable(name: str) -> None:
    if "bench" not in name.lower():
        raise SystemExit(
            f"bench: refusing to rebuild {name!r}: DATABASE_URL must name a database (or SQLite "
            "file) whose name contains 'bench', e.g. postgres://postgres@127.0.0.1:5432/parley_bench"
        )


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _fresh_postgres(url: str) -> None:
    """Creates the database when missing, then empties its public schema."""
    name = urlsplit(url).path.lstrip("/")
    _require_disposable(name)
    server = await asyncpg.connect(_with_database(url, "postgres"), timeout=10)
    try:
        exists = await server.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            quoted = '"' + name.replace('"', '""') + '"'
            await server.execute(f"CREATE DATABASE {quoted}")
    finally:
        await server.close()
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def _fresh_sqlite(url: str) -> None:
    path = Path(url.removeprefix("sqlite://").split("?", 1)[0])
    _require_disposable(path.name)
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@asynccontextmanager
async def bench_database(env: Mapping[str, str]) -> AsyncIterator[Target]:
    """An empty database for one run."""
    url = env.get("DATABASE_URL")
    if not url:
        with TemporaryDirectory(prefix="parley-bench-") as folder:
            yield Target(f"sqlite://{folder}/bench.sqlite3", "sqlite", temporary=True)
        return
    dialect = dialect_of(url)
    if dialect == "postgres":
        await _fresh_postgres(url)
    else:
        _fresh_sqlite(url)
    yield Target(url, dialect)
