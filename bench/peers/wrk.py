"""Load from a separate process: wrk with a generated Lua script per scenario and contender.

The script sets the POST body and the Authorization header; for writes it builds each body from
the scenario's template, with the next conversation of the list (threads take turns, so requests
in flight go to different conversations) and a clientMessageId that no run repeats. Its `done`
hook prints one line that `parse` reads: requests, duration, errors, p50, p99 and mean latency
from wrk's own latency distribution.
"""

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.peers.scenarios import CLIENT_MESSAGE, CONVERSATION, Call

WRK = shutil.which("wrk") or "/usr/bin/wrk"
RESULT = "PEER_RESULT"
_DONE = f"""
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("{RESULT} %d %d %d %d %.1f %.1f %.1f\\n", summary.requests,
    summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
"""
_WRITES = """
local threads_started = 0
setup = function(thread)
  thread:set("tid", threads_started)
  threads_started = threads_started + 1
end
local counter = 0
request = function()
  counter = counter + 1
  local n = counter * stride + tid
  local target = targets[(n % #targets) + 1]
  local body = parts[1] .. target .. parts[2] .. run .. "-" .. tid .. "-" .. counter .. parts[3]
  return wrk.format(nil, nil, nil, body)
end
"""


def _lua_string(text: str) -> str:
    """A Lua long string that cannot be closed by anything inside `text`."""
    level = 1
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def script(call: Call, run: str, targets: tuple[str, ...] | None = None, threads: int = 1) -> str:
    lines = [
        'wrk.method = "POST"',
        f"wrk.path = {_lua_string(call.path)}",
        'wrk.headers["Content-Type"] = "application/json"',
    ]
    if call.key is not None:
        lines.append(f'wrk.headers["Authorization"] = {_lua_string("Bearer " + call.key)}')
    if targets is None:
        lines.append(f"wrk.body = {_lua_string(call.body)}")
    else:
        before, rest = call.body.split(CONVERSATION)
        middle, after = rest.split(CLIENT_MESSAGE)
        parts = ", ".join(_lua_string(part) for part in (before, middle, after))
        lines.append(f"parts = {{{parts}}}")
        lines.append(f"run = {_lua_string(run)}")
        lines.append(f"stride = {threads}")
        lines.append("targets = {" + ", ".join(_lua_string(t) for t in targets) + "}")
        lines.append(_WRITES)
    lines.append(_DONE)
    return "\n".join(lines)


@dataclass(frozen=True)
class Cell:
    """One timed run of one contender at one concurrency."""

    requests: int
    seconds: float
    errors: int
    """Non-2xx answers plus socket errors and timeouts: a cell with any is not trusted."""
    p50_ms: float
    p99_ms: float
    mean_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse(output: str) -> Cell:
    found = re.search(rf"^{RESULT} (\d+) (\d+) (\d+) (\d+) (\S+) (\S+) (\S+)$", output, re.M)
    if found is None:
        raise RuntimeError(f"wrk printed no result line:\n{output}")
    requests, duration, status, sockets = (int(found.group(i)) for i in range(1, 5))
    p50, p99, mean = (float(found.group(i)) / 1000 for i in range(5, 8))
    return Cell(requests, duration / 1e6, status + sockets, p50, p99, mean)


def run(
    url: str,
    call: Call,
    concurrency: int,
    seconds: float,
    tag: str,
    targets: tuple[str, ...] | None = None,
) -> Cell:
    """Loads `url` for `seconds` with `concurrency` connections (2 wrk threads above 1)."""
    threads = 1 if concurrency == 1 else 2
    with tempfile.TemporaryDirectory(prefix="parley-wrk-") as folder:
        path = Path(folder) / "script.lua"
        path.write_text(script(call, tag, targets, threads))
        completed = subprocess.run(  # noqa: S603 (a fixed command line of our own)
            [
                WRK,
                f"-t{threads}",
                f"-c{concurrency}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                str(path),
                url,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr}")
    return parse(completed.stdout)
