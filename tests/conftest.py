"""Every test runs against a real database, migrated by the real migrations, through the real app.

`PARLEY_TEST_DATABASE` picks the database: `sqlite` (a fresh file) or `postgres`
(`TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test, in a schema of this run's
own, so concurrent runs never meet). `make test` runs the suite once for each. With CI=true an
unreachable PostgreSQL fails the run; elsewhere it skips it loudly.
"""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from resolvers.bounds import Bounds
from resolvers.webhook import WebhookSettings
from server.app import create_app
from server.database import apply_migrations
from server.settings import Settings
from subscriptions.live import LiveSettings
from tests.api import Api
from tests.statements import recording

BACKEND = os.environ.get("PARLEY_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
TABLES = (
    "webhook_attempt",
    "webhook_delivery",
    "webhook_endpoint",
    "conversation_event",
    "conversation_session",
    "variable",
    "message",
    "conversation",
    "api_key",
    "assistant",
    "workspace",
)


async def _postgres(url: str, statement: str) -> None:
    try:
        connection = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        message = f"PostgreSQL at {url} is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.exit(message, returncode=1)
        pytest.skip(message + " (set CI=true to make this a failure)")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "postgres":
        schema = f"parley_test_{os.getpid()}"
        asyncio.run(
            _postgres(
                POSTGRES_URL, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
            )
        )
        separator = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{separator}schema={schema}"
        asyncio.run(_postgres(POSTGRES_URL, f"DROP SCHEMA {schema} CASCADE"))
        return
    if BACKEND != "sqlite":
        raise pytest.UsageError("PARLEY_TEST_DATABASE is sqlite or postgres")
    path: Path = tmp_path_factory.mktemp("db") / "parley.sqlite3"
    yield f"sqlite://{path}"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """The sweeper and the webhook worker are off (their tests run them with settings and times
    they choose); the init timeout and the subscriber bound are small so their tests run in a
    second."""
    return Settings(
        database_url=database_url,
        bounds=Bounds(sweep_interval_seconds=0),
        webhooks=WebhookSettings(enabled=False, allow_private=True),
        live=LiveSettings(count_interval_seconds=0.2, listener_bound=50),
        ws_init_timeout_seconds=1,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    await apply_migrations(settings)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(autouse=True)
async def clean_database(app: Starlette, settings: Settings) -> None:
    """Each test starts from empty tables (ids restart too, on PostgreSQL) and fresh rate bounds."""
    await app.state.rate_limits.reset()
    from resolvers.sql import db, dialect  # noqa: PLC0415

    if dialect() == "postgres":
        await db().execute_script(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
    else:
        await db().execute_script("".join(f"DELETE FROM {table};" for table in TABLES))


@pytest.fixture(scope="session")
async def server_url(app: Starlette) -> AsyncIterator[str]:
    """The same app served by uvicorn on a free port, for websocket clients."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers a flag, not an event)
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def api(app: Starlette) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield Api(client)


@pytest.fixture
def count_statements() -> Any:
    """`with count_statements() as log:` records the SQL sent inside the block."""
    return recording
