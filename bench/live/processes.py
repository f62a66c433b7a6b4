"""The bench's server processes, started and stopped by their own pid, and what /proc says of
them: CPU seconds (utime + stime of /proc/<pid>/stat) and resident memory (VmRSS)."""

import os
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PARLEY = str(ROOT / ".venv" / "bin" / "parley")
TICKS = os.sysconf("SC_CLK_TCK")

PARLEY_ENV = {
    # The bench's own limits: 2,000 sockets from one address and thousands of messages a minute
    # are its point. Socket caps stay on (high) so every socket still takes and renews leases.
    "PARLEY_WS_CONNECTIONS_PER_KEY": "100000",
    "PARLEY_WS_CONNECTIONS_PER_ADDRESS": "100000",
    "PARLEY_WIDGET_STARTS_PER_MINUTE": "0",
    "PARLEY_WIDGET_MESSAGES_PER_MINUTE": "0",
    "PARLEY_POINTS_PER_MINUTE": "0",
    "PARLEY_FAILED_AUTH_PER_MINUTE": "0",
    "PARLEY_GRAPHIQL": "false",
    "PARLEY_LOG_LEVEL": "WARNING",
}
"""What the bench changes from Parley's defaults, and why."""


def raise_file_limit() -> None:
    """Thousands of sockets need thousands of descriptors; children inherit the limit."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, command: list[str], port: int, env: Mapping[str, str], logs: Path) -> Server:
    """Starts a server and returns once it accepts connections on its port."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own commands)
            command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(name, process, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not listen on {port}: {log.read_text()[-2000:]}")


def parley(
    name: str, database_url: str, logs: Path, extra: Mapping[str, str] | None = None
) -> Server:
    port = free_port()
    env = {"DATABASE_URL": database_url, **PARLEY_ENV, **(extra or {})}
    return start(name, [PARLEY, "serve", "--port", str(port)], port, env, logs)


def bare(logs: Path) -> Server:
    port = free_port()
    return start("bare", [PYTHON, "-m", "bench.live.bare", "--port", str(port)], port, {}, logs)
