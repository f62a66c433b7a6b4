"""Servers for tests: `parley serve` in a process of its own (for what crosses processes or needs
settings of its own), and an app served by uvicorn inside the test's own process."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn

from server.settings import PROJECT_ROOT, Settings
from tests.support.waiting import bounded

START_SECONDS = 30.0
"""How long a server is given to start answering, or to stop."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def served(
    settings: Settings, *options: str, env: Mapping[str, str] | None = None
) -> AsyncIterator[str]:
    """The server's `host:port`, serving the test database with the sweeper and the engine off
    and `env` on top of this process's environment; stopped with SIGTERM afterwards."""
    async with serving(settings, *options, env=env) as (address, _):
        yield address


@asynccontextmanager
async def serving(
    settings: Settings, *options: str, env: Mapping[str, str] | None = None
) -> AsyncIterator[tuple[str, "subprocess.Popen[bytes]"]]:
    """`served`, with the server's process (its memory can be read from /proc)."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database.url,
        "PARLEY_SWEEP_INTERVAL_SECONDS": "0",
        "PARLEY_ENGINE": "false",
        **(env or {}),
    }
    process = subprocess.Popen(  # noqa: ASYNC220 (a server for the whole test)
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), *options],
        env=environment,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with (
            httpx.AsyncClient() as client,
            bounded(START_SECONDS, f"parley serve {' '.join(options)} to answer on port {port}"),
        ):
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"parley serve exited with {process.returncode}")
                try:
                    await client.get(
                        f"http://127.0.0.1:{port}/graphql", headers={"accept": "text/html"}
                    )
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        yield f"127.0.0.1:{port}", process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=START_SECONDS)


@asynccontextmanager
async def in_process(
    config: uvicorn.Config, sockets: list[socket.socket] | None = None
) -> AsyncIterator[uvicorn.Server]:
    """`config`'s app served by uvicorn in this process (on `sockets` when given), started and
    stopped within START_SECONDS each."""
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=sockets))
    try:
        async with bounded(START_SECONDS, f"uvicorn to start serving {config.app!r}"):
            while not server.started:
                if task.done():
                    task.result()  # it could not start: say why
                    raise AssertionError("uvicorn stopped before it started")
                await asyncio.sleep(0.01)
        yield server
    finally:
        server.should_exit = True
        async with bounded(START_SECONDS, f"uvicorn to stop serving {config.app!r}"):
            await task


def port_of(server: uvicorn.Server) -> int:
    """The port a server started by `in_process` listens on."""
    port: int = server.servers[0].sockets[0].getsockname()[1]
    return port


def database_ports_of(pid: int, database_port: int = 5432) -> list[int]:
    """The local ports of process `pid`'s TCP connections to the database's port: what
    `pg_stat_activity.client_port` names them by, so a test can end this server's connections
    and no one else's."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == database_port:
                ports.append(int(local.rsplit(":", 1)[1], 16))
    return ports
