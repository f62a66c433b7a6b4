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
from prometheus_client import REGISTRY
from starlette.applications import Starlette

from resolvers.limits.bounds import Bounds
from resolvers.webhook import WebhookSettings
from server.app import create_app
from server.database import apply_migrations
from server.engine.settings import EngineSettings
from server.settings import Settings
from server.settings_concerns import DatabaseSettings, WebsocketSettings
from server.wsconnection import SERVE_OPTIONS
from subscriptions.live import LiveSettings
from tests.support.api import Api
from tests.support.database import BACKEND, POSTGRES_URL, empty
from tests.support.servers import in_process, port_of
from tests.support.statements import recording
from tests.support.waiting import bounded

STARTUP_SECONDS = 60.0
"""Migrating, starting and stopping the app (seconds when the machine is not loaded)."""
CLEANUP_SECONDS = 60.0
"""Emptying the database before a test (milliseconds when nothing holds it)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "heavy: browser, fault, multi-process and scale tests, run once, on the PostgreSQL leg "
        "(`make test-postgres`); the SQLite leg runs `-m 'not heavy'`",
    )
    config.addinivalue_line(
        "markers",
        "both_databases: a browser test that runs on both legs (an issue's end-to-end test whose "
        "'done when' names both databases), where other browser tests are heavy",
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
        await connection.execute(statement, timeout=60)
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
        database=DatabaseSettings(url=database_url),
        bounds=Bounds(sweep_interval_seconds=0),
        webhooks=WebhookSettings(enabled=False, allow_private=True),
        engine=EngineSettings(enabled=False),
        live=LiveSettings(count_interval_seconds=0.2, listener_bound=50),
        websockets=WebsocketSettings(init_timeout_seconds=1),
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    async with bounded(STARTUP_SECONDS, "the migrations"):
        await apply_migrations(settings)
    application = create_app(settings)
    lifespan = application.router.lifespan_context(application)
    async with bounded(STARTUP_SECONDS, "the app's lifespan to start"):
        await lifespan.__aenter__()
    try:
        yield application
    finally:
        async with bounded(STARTUP_SECONDS, "the app's lifespan to stop"):
            await lifespan.__aexit__(None, None, None)


@pytest.fixture(autouse=True)
async def clean_database(app: Starlette, settings: Settings) -> None:
    """Each test starts from empty tables (ids restart too, on PostgreSQL), fresh rate bounds
    and a reply board that holds no reply of an earlier test's (whose ids come again)."""
    from resolvers.database.sql import db  # noqa: PLC0415

    async with bounded(CLEANUP_SECONDS, "emptying the database before the test"):
        await app.state.rate_limits.reset()
        await empty(db())
    app.state.live.replies.forget_quiet(0)


@pytest.fixture(scope="session")
async def server_url(app: Starlette) -> AsyncIterator[str]:
    """The same app served by uvicorn on a free port, for websocket clients."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", **SERVE_OPTIONS
    )
    async with in_process(config) as server:
        yield f"127.0.0.1:{port_of(server)}"


@pytest.fixture
async def api(app: Starlette) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        yield Api(client)


@pytest.fixture
def count_statements() -> Any:
    """`with count_statements() as log:` records the SQL sent inside the block."""
    return recording


def _plan_failures() -> float:
    labels = {"outcome": "failed"}
    return REGISTRY.get_sample_value("parley_compiled_plans_total", labels) or 0.0


@pytest.fixture(autouse=True)
def plans_must_not_fail() -> Iterator[None]:
    """A compiled plan that fails unexpectedly is a bug (schema/plan/extension.py): any test
    during which one failed in this process fails too (a test that fails one on purpose overrides
    this fixture)."""
    before = _plan_failures()
    yield
    failed = _plan_failures() - before
    assert failed == 0, f"{failed:g} compiled plan(s) failed during this test: see its ERROR log"
