"""Every process the scale bench starts, kept in one registry so that `stop_all` (the run's
`finally`, a failure or Ctrl-C included) stops each by its own pid: `parley serve` with N
workers, the writers' processes and the nats-server."""

import asyncio
import json
import subprocess
import tempfile
import time
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import asyncpg

from bench.live import processes
from bench.live.processes import PARLEY, PARLEY_ENV, PYTHON, ROOT, Server
from bench.live.setup import plain_dsn as plain
from subscriptions.broker import APPLICATION_NAME

SCALE_ENV = {
    **PARLEY_ENV,
    # The writers' conversations were seeded as active minutes ago and written to in bursts:
    # the idle sweeper must not end them in the middle of a run.
    "PARLEY_IDLE_TIMEOUT_SECONDS": "86400",
}
"""What the bench changes from Parley's defaults: bench/live's, and the idle timeout."""

_running: list[Server] = []
_children: list["subprocess.Popen[bytes]"] = []
_writers: list["subprocess.Popen[bytes]"] = []


def parley(
    name: str, url: str, logs: Path, workers: int, extra: Mapping[str, str] | None = None
) -> Server:
    """`parley serve --workers N` on a free port, once it accepts connections."""
    port = processes.free_port()
    env = {"DATABASE_URL": url, **SCALE_ENV, **(extra or {})}
    command = [PARLEY, "serve", "--port", str(port), "--workers", str(workers)]
    server = processes.start(name, command, port, env, logs)
    _running.append(server)
    if not asyncio.run(_listening(url, workers)):
        print(f"    ({name}: not every worker's listener connected within {READY_SECONDS:g} s)")
    return server


READY_SECONDS = 30.0


async def _listening(url: str, workers: int) -> bool:
    """Waits until each worker's LISTEN connection is up: the port answers as soon as the
    parent binds it, but on a loaded machine the last of 4 workers was seen starting 6 s after
    the first, and a measured window must not begin with part of the server still starting.
    Only one Parley server of the bench runs at a time, so the database's listeners are its."""
    connection = await asyncpg.connect(plain(url))
    try:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            found = await connection.fetchval(
                "SELECT COUNT(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = $1",
                APPLICATION_NAME,
            )
            if found >= workers:
                return True
            await asyncio.sleep(0.2)
        return False
    finally:
        await connection.close()


def stop(server: Server) -> None:
    server.stop()
    if server in _running:
        _running.remove(server)


def writers(plans: list[dict[str, Any]], logs: Path, timeout: float) -> list[dict[str, Any]]:
    """Runs one writers' process per plan (bench/scale/load.py) at once; their results."""
    started: list[tuple[subprocess.Popen[bytes], Path, Path]] = []
    try:
        for plan in plans:
            plan_file = Path(tempfile.mkstemp(suffix=".json", prefix="scale-plan-")[1])
            out = Path(tempfile.mkstemp(suffix=".json", prefix="scale-out-")[1])
            plan_file.write_text(json.dumps(plan))
            with (logs / "writers.err").open("ab") as errors:
                process = subprocess.Popen(  # noqa: S603 (our own command)
                    [PYTHON, "-m", "bench.scale.load", "--plan", str(plan_file), "--out", str(out)],
                    cwd=ROOT,
                    stderr=errors,
                )
            _children.append(process)
            _writers.append(process)
            started.append((process, plan_file, out))
        results = []
        for process, _, out in started:
            if process.wait(timeout) != 0:
                raise RuntimeError(f"a writers' process failed: see {logs / 'writers.err'}")
            results.append(json.loads(out.read_text()))
        return results
    finally:
        for process, plan_file, out in started:
            _end(process)
            plan_file.unlink(missing_ok=True)
            out.unlink(missing_ok=True)


def _end(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for registry in (_children, _writers):
        with suppress(ValueError):  # the other thread's `_end` of it came first
            registry.remove(process)


def end_writers() -> None:
    """Stops the writers' processes now (a run given up while they write, from another thread
    than the one waiting for them)."""
    for process in list(_writers):
        _end(process)


def track(process: "subprocess.Popen[bytes]") -> None:
    """Another child to stop with the rest (the nats-server)."""
    _children.append(process)


def stop_all() -> None:
    """Stops whatever is still running, servers first; each by its own pid."""
    for server in list(_running):
        stop(server)
    for process in list(_children):
        _end(process)


def wait_until(seconds: float) -> None:
    """Sleeps until the epoch time `seconds`."""
    time.sleep(max(0.0, seconds - time.time()))
