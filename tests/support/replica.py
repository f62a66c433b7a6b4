"""A real streaming replica of the test PostgreSQL: a second cluster made by `pg_basebackup` in a
temporary folder, on a free port, run as the `postgres` OS user (pg_ctl refuses root).

The shared cluster must accept replication connections from 127.0.0.1. When its pg_hba.conf does
not, `replication_allowed` adds one line, marked with this process's id, for as long as the
replica lives, and takes it out again (the only change to the shared cluster, never left behind
by a run that ends normally; a line left by a killed run carries its mark and pid). With CI=true a
missing capability (no pg_basebackup, no way to allow replication) fails; elsewhere it skips.
"""

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.support.servers import free_port

BIN = Path(os.environ.get("PARLEY_PG_BIN", "/usr/lib/postgresql/15/bin"))
HBA_MARK = "# parley test replica, pid"
SETTINGS_COPIED = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
"""A hot standby refuses to start with less of these than its primary has."""


def missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message + " (set CI=true to make this a failure)")


def _as_postgres(*command: str) -> list[str]:
    """pg_ctl and the server refuse to run as root: run them as `postgres` when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


def _run(*command: str, seconds: float = 120) -> None:
    done = subprocess.run(
        _as_postgres(*command), capture_output=True, text=True, timeout=seconds, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed: {done.stderr or done.stdout}")


def _replication_works(host: str, port: int, user: str) -> bool:
    done = subprocess.run(
        [
            str(BIN / "psql"),
            f"host={host} port={port} user={user} replication=true",
            "-Atc",
            "IDENTIFY_SYSTEM",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return done.returncode == 0


async def _sql(url: str, statement: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        rows: list[asyncpg.Record] = await connection.fetch(statement, timeout=30)
        return rows
    finally:
        await connection.close()


@contextmanager
def replication_allowed(primary_url: str) -> Iterator[None]:
    """The primary accepts `host replication` from 127.0.0.1 for its user while the block runs."""
    parts = urlsplit(primary_url)
    host, port, user = parts.hostname or "127.0.0.1", parts.port or 5432, parts.username
    user = user or "postgres"
    if _replication_works(host, port, user):
        yield
        return
    hba = Path(asyncio.run(_sql(primary_url, "SHOW hba_file"))[0][0])
    line = f"host replication {user} 127.0.0.1/32 trust {HBA_MARK} {os.getpid()}\n"
    try:
        before = hba.read_text()
        added = line if before.endswith("\n") or not before else "\n" + line
        with hba.open("a") as file:
            file.write(added)
    except OSError as error:
        missing(f"{hba} does not allow replication from 127.0.0.1 and cannot be changed: {error}")
    try:
        asyncio.run(_sql(primary_url, "SELECT pg_reload_conf()"))
        yield
    finally:  # exactly what was added goes, whatever else changed meanwhile
        hba.write_text(hba.read_text().replace(added, "", 1))
        asyncio.run(_sql(primary_url, "SELECT pg_reload_conf()"))


class StreamingReplica:
    """The replica cluster: where it lives, its port, and what a test does to it."""

    def __init__(self, primary_url: str) -> None:
        self.primary_url = primary_url
        self.folder = Path(tempfile.mkdtemp(prefix="parley-replica-"))
        self.data = self.folder / "data"
        self.port = free_port()

    def url(self, database_url: str) -> str:
        """`database_url` (the primary's, with its schema) pointed at the replica."""
        parts = urlsplit(database_url)
        user = f"{parts.username}@" if parts.username else ""
        return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{self.port}"))

    @property
    def admin_url(self) -> str:
        return self.url(self.primary_url)

    def make(self) -> None:
        """pg_basebackup of the primary (its WAL streamed alongside), configured as a hot standby
        that streams from it."""
        if not (BIN / "pg_basebackup").exists():
            missing(f"no pg_basebackup in {BIN} (PARLEY_PG_BIN)")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        parts = urlsplit(self.primary_url)
        _run(
            str(BIN / "pg_basebackup"),
            f"--dbname=host={parts.hostname} port={parts.port or 5432} "
            f"user={parts.username or 'postgres'}",
            f"--pgdata={self.data}",
            "--wal-method=stream",
            "--checkpoint=fast",
            "--write-recovery-conf",
            "--no-sync",
        )
        primary = asyncio.run(
            _sql(
                self.primary_url,
                "SELECT name, setting FROM pg_settings WHERE name = ANY("
                f"ARRAY{list(SETTINGS_COPIED)})",
            )
        )
        settings = {
            "port": str(self.port),
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.folder}'",
            "hot_standby": "on",
            "shared_buffers": "'32MB'",
            "fsync": "off",
            "wal_receiver_status_interval": "'1s'",
            "logging_collector": "off",
            **{row["name"]: row["setting"] for row in primary},
        }
        config = "".join(f"{name} = {value}\n" for name, value in settings.items())
        hba = "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        for name, text in (("postgresql.conf", config), ("pg_hba.conf", hba)):
            path = self.data / name
            path.write_text(text)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self) -> None:
        """At once, as a crash would (`-m immediate`): its connections die mid-statement."""
        self._pg_ctl("stop", "-m", "immediate")

    def _pg_ctl(self, *action: str) -> None:
        _run(
            str(BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "log"),
            "-w",
            "-t",
            "60",
            *action,
        )

    def _processes(self) -> list[int]:
        """The postmaster and its children (backends, startup, WAL receiver)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        listed = subprocess.run(
            ["/usr/bin/ps", "-o", "pid=", "--ppid", str(postmaster)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return [postmaster, *(int(pid) for pid in listed.stdout.split())]

    def freeze(self) -> None:
        """Every process of the replica stopped (SIGSTOP): connections stay open and connects
        are accepted by the kernel, but nothing answers, as with a hung host."""
        for pid in self._processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._processes():
            os.kill(pid, signal.SIGCONT)

    def remove(self) -> None:
        subprocess.run(
            _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)

    async def sql(self, statement: str) -> list[asyncpg.Record]:
        return await _sql(self.admin_url, statement)

    async def streaming(self) -> bool:
        rows = await self.sql("SELECT status FROM pg_stat_wal_receiver")
        return bool(rows) and rows[0]["status"] == "streaming"
