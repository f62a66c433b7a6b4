"""`parley serve` in a process of its own, for tests of what crosses processes or needs settings
of its own."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx

from server.settings import PROJECT_ROOT, Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def served(
    settings: Settings, *options: str, env: Mapping[str, str] | None = None
) -> AsyncIterator[str]:
    """The server's `host:port`, serving the test database with the sweeper off and `env` on
    top of this process's environment; stopped with SIGTERM afterwards."""
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
        "DATABASE_URL": settings.database_url,
        "PARLEY_SWEEP_INTERVAL_SECONDS": "0",
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
        async with httpx.AsyncClient() as client:
            for _ in range(200):
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
        process.wait(timeout=10)
