"""A NATS server with JetStream of the test's own (its port, its store), which the test may kill
and start again on the same port and store: the machine's shared one at 4222 is left alone.

Without nats-server the test is skipped loudly, or fails with CI=true."""

import asyncio
import os
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.support.servers import free_port
from tests.support.waiting import bounded

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


class Nats:
    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.store = store
        self.url = f"nats://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: ASYNC220 (a server for the whole test)
            [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        async with bounded(10, f"nats-server to listen on {self.port}"):
            while True:
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.close()
                    return
                except OSError:
                    await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the bus goes away as a crash would take it."""
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)
            self._process = None


def require_nats_server() -> None:
    if os.access(NATS_SERVER, os.X_OK):
        return
    message = f"{NATS_SERVER} is missing: the event bus cannot be tested"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message + " (set CI=true to make this a failure)")


@asynccontextmanager
async def nats_server(store: Path) -> AsyncIterator[Nats]:
    require_nats_server()
    server = Nats(store)
    await server.start()
    try:
        yield server
    finally:
        server.kill()
