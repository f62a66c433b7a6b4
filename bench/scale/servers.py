"""Every process the scale bench starts, kept in one registry so that `stop_all` (the run's
`finally`, a failure or Ctrl-C included) stops each by its own pid: `parley serve` with N
workers, the writers' processes and the nats-server."""

import json
import subprocess
import tempfile
import time
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from bench.live import processes
from bench.live.processes import PARLEY, PARLEY_ENV, PYTHON, ROOT, Server

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
    return server


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
