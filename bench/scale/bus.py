"""The bus leg's two questions: does this Parley read `PARLEY_EVENT_BUS` at all (its settings,
the same list docs/configuration.md is written from), and did a server given one actually use it
(the nats-server's own counters, from its monitoring port). The bench starts its own nats-server
with JetStream on free ports and a temporary store, never the shared one at 4222."""

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.live.processes import free_port
from bench.scale import servers

VARIABLE = "PARLEY_EVENT_BUS"
NATS_SERVER = "/usr/sbin/nats-server"


def supported() -> bool:
    """Whether Parley's settings include the bus's variable."""
    from server.settings import Settings  # noqa: PLC0415 (read when asked, not at import)

    return any(variable.name == VARIABLE for variable in Settings.variables())


@dataclass(frozen=True)
class Traffic:
    in_msgs: int
    out_msgs: int
    connections: int


class Nats:
    """A nats-server with JetStream: `nats://127.0.0.1:PORT`, its store in a temporary folder,
    its counters on a monitoring port. `stop` ends it and removes the store."""

    def __init__(self, logs: Path) -> None:
        self.port, self.monitor = free_port(), free_port()
        self.store = Path(tempfile.mkdtemp(prefix="scale-nats-"))
        command = [
            NATS_SERVER,
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.store),
            "-m",
            str(self.monitor),
        ]
        with (logs / "nats.log").open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        servers.track(self.process)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.traffic()
                break
            except OSError as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"nats-server did not start: see {logs / 'nats.log'}"
                    ) from error
                time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def traffic(self) -> Traffic:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.monitor}/varz", timeout=5) as r:
            varz = json.loads(r.read())
        return Traffic(int(varz["in_msgs"]), int(varz["out_msgs"]), int(varz["connections"]))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.store, ignore_errors=True)
