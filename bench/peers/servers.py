"""The contenders as real server processes, each on its own port, stopped by their own pid.

Parley runs as `parley serve` with the edge's limits that would throttle a load test turned off
(cost points, failed-auth counting, widget limits) and no sweeper (it would end the writers'
conversations mid-run); everything else is as in production.
"""

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench.peers import postgraphile

ROOT = Path(__file__).resolve().parent.parent.parent
LOGS = postgraphile.PEERS / "logs"
PARLEY_ENV = {
    "PARLEY_POINTS_PER_MINUTE": "0",
    "PARLEY_FAILED_AUTH_PER_MINUTE": "0",
    "PARLEY_WIDGET_MESSAGES_PER_MINUTE": "0",
    "PARLEY_WIDGET_STARTS_PER_MINUTE": "0",
    "PARLEY_SWEEP_INTERVAL_SECONDS": "0",
    "PARLEY_RATE_COUNTER_SWEEP_SECONDS": "0",
    "PARLEY_GRAPHIQL": "false",
    "PARLEY_LOG_LEVEL": "WARNING",
}
"""What the bench changes from Parley's defaults, and why: see the module docstring."""
ONE, TWO, HAND, PEER = "Parley 1w", "Parley 2w", "hand-written", "PostGraphile"
"""The contenders' names: Parley with one and with two workers, the hand-written endpoint and
PostGraphile."""


@dataclass(frozen=True)
class Contender:
    name: str
    port: int
    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    kind: str = "parley"
    """`parley`, `handwritten` or `postgraphile`: which call of a scenario it answers."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def contenders(database: str, base_port: int) -> list[Contender]:
    parley = str(ROOT / ".venv" / "bin" / "parley")
    python = str(ROOT / ".venv" / "bin" / "python")
    env = (("DATABASE_URL", database), *PARLEY_ENV.items())
    return [
        Contender(ONE, base_port, (parley, "serve", "--port", str(base_port)), env),
        Contender(
            TWO,
            base_port + 1,
            (parley, "serve", "--port", str(base_port + 1), "--workers", "2"),
            env,
        ),
        Contender(
            HAND,
            base_port + 2,
            (
                python,
                "-m",
                "bench.peers.handwritten",
                "--port",
                str(base_port + 2),
                "--database",
                database,
            ),
            kind="handwritten",
        ),
        Contender(
            PEER,
            base_port + 3,
            tuple(postgraphile.command(database, base_port + 3)),
            (("NODE_ENV", "production"),),
            kind="postgraphile",
        ),
    ]


class Running:
    """A started contender: its process and its log file."""

    def __init__(self, contender: Contender) -> None:
        self.contender = contender
        LOGS.mkdir(parents=True, exist_ok=True)
        slug = contender.name.lower().replace(" ", "-")
        self.log: IO[bytes] = (LOGS / f"{slug}.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 (our own fixed commands)
            contender.command,
            cwd=ROOT,
            env={**os.environ, **dict(contender.env)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers form a group of their own, stopped together
        )

    @property
    def group(self) -> int:
        """Its process group: the server and any workers it started."""
        return self.process.pid

    def wait_listening(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: {self.contender.name} exited; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.contender.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"bench: {self.contender.name} did not listen within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def start(chosen: list[Contender]) -> list[Running]:
    """Starts them all, then waits until each listens (they boot in parallel)."""
    running = [Running(contender) for contender in chosen]
    try:
        for item in running:
            item.wait_listening()
    except BaseException:
        stop(running)
        raise
    return running


def stop(running: list[Running]) -> None:
    for item in running:
        item.stop()
