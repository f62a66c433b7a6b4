"""The bench's own PostgreSQL database (created and migrated once, reused afterwards) and, each
run, a fresh workspace: its secret key, an assistant with a widget key, and the widgets'
conversations with their session tokens, all made through the public API."""

import asyncio
import os
import subprocess
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.live.http import Connection
from bench.live.processes import PARLEY, ROOT

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/parley_live_bench"
WORKSPACE_PREFIX = "live bench "

CREATE_ASSISTANT = (
    "mutation($input: AssistantInput!) { createAssistant(input: $input) { assistant { id } } }"
)
CREATE_KEY = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }"
START = (
    "mutation($input: StartConversationInput!) { startConversation(input: $input) "
    "{ conversation { id startedAt } sessionToken } }"
)


@dataclass(frozen=True)
class Widget:
    conversation_id: str
    session_token: str


@dataclass(frozen=True)
class Workspace:
    secret_key: str
    assistant_id: str
    widgets: list[Widget]


def database_url() -> str:
    return bench_database_url("LIVE_BENCH_DATABASE_URL", DEFAULT_URL)


def bench_database_url(variable: str, default: str) -> str:
    """A bench's database: the URL in `variable`, or `default`; refused unless its name says
    "bench", since the benches drop and fill it."""
    url = os.environ.get(variable, default)
    if "bench" not in urlsplit(url).path:
        raise SystemExit(f"{variable} must name a database whose name holds 'bench'")
    return url


def plain_dsn(url: str) -> str:
    """The URL as asyncpg takes it (none of the ORM's options)."""
    parts = urlsplit(url)
    return f"postgresql://{parts.netloc}{parts.path}"


async def _drop(url: str) -> None:
    connection = await asyncpg.connect(maintenance_url(url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
    finally:
        await connection.close()


def fresh_database(url: str) -> None:
    """Drops what an earlier run left, creates the database and applies the migrations."""
    asyncio.run(_drop(url))
    prepare_database(url)


def drop_database(url: str) -> None:
    asyncio.run(_drop(url))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def maintenance_url(url: str) -> str:
    """The same server's `postgres` database: the bench's own look-ups never touch the measured
    database, so they are never counted as its statements."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))


async def _ensure(url: str) -> None:
    connection = await asyncpg.connect(maintenance_url(url))
    try:
        name = database_name(url)
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def prepare_database(url: str) -> None:
    """Creates the database if it is missing and applies Parley's migrations (idempotent)."""
    asyncio.run(_ensure(url))
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([PARLEY, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603


async def _forget(url: str) -> None:
    parts = urlsplit(url)
    connection = await asyncpg.connect(urlunsplit(("postgresql", parts.netloc, parts.path, "", "")))
    try:
        await connection.execute("DELETE FROM workspace WHERE name LIKE $1", f"{WORKSPACE_PREFIX}%")
    finally:
        await connection.close()


def forget_earlier_runs(url: str) -> None:
    """Deletes the workspaces of earlier runs: their conversations, left active, would be ended
    by the idle sweeper during this run's idle window (a write that is not the sockets')."""
    asyncio.run(_forget(url))


def create_workspace(url: str, name: str) -> str:
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(  # noqa: S603
        [PARLEY, "create-workspace", name],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


async def populate(graphql_url: str, secret_key: str, widgets: int) -> Workspace:
    """An assistant, its widget key and `widgets` WEB_WIDGET conversations started with it."""
    admin = Connection(graphql_url, secret_key)
    try:
        made = await admin.execute(CREATE_ASSISTANT, {"input": {"name": "Live bench"}})
        assistant = made["createAssistant"]["assistant"]["id"]
        key = await admin.execute(
            CREATE_KEY, {"input": {"kind": "PUBLISHABLE", "assistantId": assistant}}
        )
    finally:
        await admin.close()
    publishable = key["createApiKey"]["secret"]
    started: list[Widget] = []

    async def starter(count: int) -> None:
        connection = Connection(graphql_url, publishable)
        try:
            for _ in range(count):
                data = await connection.execute(
                    START, {"input": {"assistantId": assistant, "type": "WEB_WIDGET"}}
                )
                payload = data["startConversation"]
                started.append(Widget(payload["conversation"]["id"], payload["sessionToken"]))
        finally:
            await connection.close()

    lanes = 8
    await asyncio.gather(*(starter(widgets // lanes + (i < widgets % lanes)) for i in range(lanes)))
    return Workspace(secret_key, assistant, started)
