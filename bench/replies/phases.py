"""The measured phases, each with real processes: `parley serve` (the API and the sockets, and
in the paced phase the built-in engine too), `parley engine` (the built-in engine apart), the
fake provider, and the load generators of bench/replies/clients.py. Every process is started
here and stopped here by its own pid."""

import asyncio
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import statementlog
from bench.live import processes, setup
from bench.live.http import Connection
from bench.replies import database

SERVE_ENV = {
    "PARLEY_ENGINE": "false",  # the engine runs apart, where its CPU can be read alone
    "PARLEY_SWEEP_INTERVAL_SECONDS": "0",
    "PARLEY_RATE_COUNTER_SWEEP_SECONDS": "0",
}
ENGINE_MODEL = "gpt-4o-mini"
UPDATE_ASSISTANT = (
    "mutation($id: ID!, $input: AssistantInput!) { updateAssistant(id: $id, input: $input) "
    "{ assistant { id } } }"
)


def _client(role: str, plan: dict[str, Any], logs: Path) -> tuple[subprocess.Popen[str], Path]:
    plan_file, out = logs / f"{role}-plan.json", logs / f"{role}-out.json"
    plan_file.write_text(json.dumps(plan))
    command = [processes.PYTHON, "-m", "bench.replies.clients", role, str(plan_file), str(out)]
    process = subprocess.Popen(  # noqa: S603 (our own command)
        command, cwd=processes.ROOT, stdout=subprocess.PIPE, text=True
    )
    return process, out


def _finished(process: subprocess.Popen[str], out: Path, timeout: float) -> Any:
    if process.wait(timeout) != 0:
        raise RuntimeError(f"{out.name}: exited with {process.returncode}")
    return json.loads(out.read_text())


def _workspace(url: str, name: str, server: processes.Server, n: int) -> setup.Workspace:
    secret = setup.create_workspace(url, name)
    return asyncio.run(setup.populate(server.http, secret, n))


# 1. Streamed replies through the API.


@dataclass(frozen=True)
class Streamed:
    writer: dict[str, Any]
    watcher: dict[str, Any]
    rows: dict[str, int]
    writes: database.Writes
    server_cpu: float
    seconds: float


def streamed(url: str, replies: int, chunks: int, rate: float, logs: Path) -> Streamed:
    """`replies` replies of `chunks` pieces at `rate` pieces/s each, all at once, appended over
    HTTP through one `parley serve`, each watched by a widget's socket on the same process."""
    setup_server = processes.parley("stream-setup", url, logs, SERVE_ENV)
    try:
        workspace = _workspace(url, "replies bench: streams", setup_server, replies)
    finally:
        setup_server.stop()
    rows_before = database.rows_written(url)
    log = statementlog.log_file()
    if log is None:
        raise SystemExit("no PostgreSQL log in /var/log/postgresql (PEER_BENCH_PG_LOG names one)")
    start = log.stat().st_size
    with statementlog.logging(url):
        server = processes.parley("stream", url, logs, SERVE_ENV)
        try:
            entries = [(w.conversation_id, w.session_token) for w in workspace.widgets]
            timeout = 60 + chunks / rate * 3
            watch = {"ws": server.ws, "watch": entries, "timeout": timeout}
            watching, watched_out = _client("watcher", watch, logs)
            assert watching.stdout is not None
            if watching.stdout.readline().strip() != "ready":
                raise RuntimeError("the watcher did not get ready")
            cpu, began = processes.cpu_seconds(server.pid), time.monotonic()
            plan = {
                "url": server.http,
                "key": workspace.secret_key,
                "conversations": [conversation for conversation, _ in entries],
                "chunks": chunks,
                "rate": rate,
            }
            writing, written_out = _client("writer", plan, logs)
            written = _finished(writing, written_out, timeout)
            watched = _finished(watching, watched_out, timeout)
            seconds = time.monotonic() - began
            cpu = processes.cpu_seconds(server.pid) - cpu
        finally:
            server.stop()
    rows_after = database.rows_written(url)
    rows = {table: rows_after[table] - rows_before[table] for table in rows_after}
    writes = database.writes_since(log, start, setup.database_name(url))
    return Streamed(written, watched, {t: n for t, n in rows.items() if n}, writes, cpu, seconds)


# 2. Replies at a model's pace: the engine inside `parley serve` answers visitors at once.


@dataclass(frozen=True)
class Paced:
    turns: list[dict[str, Any]]
    writes: database.Writes
    server_cpu: float
    seconds: float


def paced(url: str, replies: int, pieces: int, rate: float, logs: Path) -> Paced:
    """`replies` visitors send a message at once; the engine inside one `parley serve` answers
    each with `pieces` pieces, the fake provider sending `rate` pieces/s; each visitor's socket
    on that process reads the pieces (their number and the time the provider sent them)."""
    provider_server, provider_url = provider(logs)
    env = {
        **SERVE_ENV,
        "PARLEY_ENGINE": "true",
        "PARLEY_ENGINE_CONCURRENCY": str(replies),
        "OPENAI_BASE_URL": f"{provider_url}/v1",
        "OPENAI_API_KEY": "sk-bench",
    }
    log = statementlog.log_file()
    if log is None:
        raise SystemExit("no PostgreSQL log in /var/log/postgresql")
    try:
        with statementlog.logging(url):
            server = processes.parley("paced", url, logs, env)
            try:
                workspace = engine_workspace(url, server, replies)
                entries = [(w.conversation_id, w.session_token) for w in workspace.widgets]
                answer(provider_url, pieces, 1 / rate, timed=True)
                plan = {"url": server.http, "ws": server.ws, "watch": entries, "turns": 1}
                plan |= {"timeout": 60 + pieces / rate * 3, "timed": True}
                time.sleep(0.5)  # the statement log is written a moment after
                start = log.stat().st_size
                cpu, began = processes.cpu_seconds(server.pid), time.monotonic()
                visiting, out = _client("visitor", plan, logs)
                visited = _finished(visiting, out, 600)
                seconds = time.monotonic() - began
                cpu = processes.cpu_seconds(server.pid) - cpu
                time.sleep(0.5)
            finally:
                server.stop()
        writes = database.writes_since(log, start, setup.database_name(url))
    finally:
        provider_server.stop()
    return Paced(visited["turns"], writes, cpu, seconds)


# 3. The engine's CPU per turn, apart, against the fake provider.


@dataclass
class Engine:
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def engine(url: str, provider_url: str) -> Engine:
    """`parley engine`, returned once it says it answers turns."""
    env = {**os.environ, **processes.PARLEY_ENV, "DATABASE_URL": url}
    env |= {"OPENAI_BASE_URL": provider_url, "OPENAI_API_KEY": "sk-bench"}
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [processes.PARLEY, "engine"],
        cwd=processes.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if b"answering turns" not in line:
        process.kill()
        raise RuntimeError(f"parley engine did not start: {line!r}")
    return Engine(process)


def provider(logs: Path) -> tuple[processes.Server, str]:
    port = processes.free_port()
    command = [processes.PYTHON, "-m", "bench.replies.provider", "--port", str(port)]
    server = processes.start("provider", command, port, {}, logs)
    return server, f"http://127.0.0.1:{port}"


async def _post(url: str, body: dict[str, Any]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", int(url.rsplit(":", 1)[1]))
    data = json.dumps(body).encode()
    writer.write(
        b"POST /answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
        + data
    )
    await writer.drain()
    status = await reader.readline()
    await reader.read()
    writer.close()
    if b" 200 " not in status:
        raise RuntimeError(f"the provider answered {status!r}")


def answer(provider_url: str, pieces: int, delay: float, *, timed: bool = False) -> None:
    """What the provider answers every later request with."""
    asyncio.run(_post(provider_url, {"pieces": pieces, "delay": delay, "timed": timed}))


def engine_workspace(url: str, server: processes.Server, conversations: int) -> setup.Workspace:
    """A workspace whose assistant the engine answers, and `conversations` widgets with it."""
    workspace = _workspace(url, "replies bench: engine", server, conversations)

    async def give_model() -> None:
        admin = Connection(server.http, workspace.secret_key)
        try:
            engine_input = {"model": ENGINE_MODEL, "instructions": "You answer briefly."}
            await admin.execute(
                UPDATE_ASSISTANT,
                {
                    "id": workspace.assistant_id,
                    "input": {"name": "Replies bench", "engine": engine_input},
                },
            )
        finally:
            await admin.close()

    asyncio.run(give_model())
    return workspace


@dataclass(frozen=True)
class Turns:
    pieces: int
    turns: int
    seconds: float
    engine_cpu: float
    idle_cpu_per_second: float
    states: dict[str, int]
    turn_seconds: list[float]

    @property
    def ms_per_turn(self) -> float:
        beyond_idle = self.engine_cpu - self.idle_cpu_per_second * self.seconds
        return 1000 * beyond_idle / self.turns


def turns(
    server: processes.Server,
    engine_pid: int,
    entries: list[tuple[str, str]],
    per_conversation: int,
    pieces: int,
    idle_cpu_per_second: float,
    logs: Path,
) -> Turns:
    """Each conversation's visitor sends a message and waits for the engine's whole reply,
    `per_conversation` times, all conversations at once; the engine's CPU meanwhile."""
    plan = {"url": server.http, "ws": server.ws, "watch": entries, "turns": per_conversation}
    plan["timeout"] = 120
    cpu, began = processes.cpu_seconds(engine_pid), time.monotonic()
    visiting, out = _client("visitor", plan, logs)
    visited = _finished(visiting, out, 600)
    seconds = time.monotonic() - began
    cpu = processes.cpu_seconds(engine_pid) - cpu
    states: dict[str, int] = {}
    for turn in visited["turns"]:
        states[turn["state"]] = states.get(turn["state"], 0) + 1
    return Turns(
        pieces,
        len(visited["turns"]),
        seconds,
        cpu,
        idle_cpu_per_second,
        states,
        [turn["seconds"] for turn in visited["turns"]],
    )


def idle_cpu_per_second(pid: int, seconds: float) -> float:
    cpu = processes.cpu_seconds(pid)
    time.sleep(seconds)
    return (processes.cpu_seconds(pid) - cpu) / seconds
