"""Opening the database outside a web request (for the CLI, migrations and scripts), and the
read replica beside it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import REGISTRY
from starlette.applications import Starlette
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from models.config import dialect_of, tortoise_config
from resolvers.database.replica import Replica
from server.operations import ReplicaCollector
from server.settings import Settings
from server.settings_concerns import DatabaseSettings


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[None]:
    settings.database.make_folder()
    await Tortoise.init(config=tortoise_config(settings.database.url))
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def apply_migrations(settings: Settings) -> None:
    """Brings the database to the latest migration (idempotent)."""
    settings.database.make_folder()
    try:
        await migrate(config=tortoise_config(settings.database.url))
    finally:
        await Tortoise.close_connections()


async def open_replica(database: DatabaseSettings) -> Replica | None:
    """The read replica the settings name, probed once and then every `read_probe_seconds`
    (None without one). Only a PostgreSQL primary with a PostgreSQL replica: a replica is a
    copy of the primary's cluster, which SQLite has no way of making."""
    if database.read_url is None:
        return None
    if database.dialect != "postgres" or dialect_of(database.read_url) != "postgres":
        raise ValueError("PARLEY_READ_DATABASE_URL needs PostgreSQL, for it and DATABASE_URL")
    replica = Replica(
        database.read_url,
        max_lag_seconds=database.read_max_lag_seconds,
        probe_seconds=database.read_probe_seconds,
        statement_timeout_ms=database.statement_timeout_ms,
    )
    await replica.start()
    return replica


@asynccontextmanager
async def replica_reads(app: Starlette, database: DatabaseSettings) -> AsyncIterator[None]:
    """The app's read replica (`app.state.replica`, which query operations route to) and its
    figures on /metrics, for as long as the block runs; nothing without `read_url`."""
    replica = await open_replica(database)
    if replica is None:
        yield
        return
    collector = ReplicaCollector(replica)
    REGISTRY.register(collector)
    app.state.replica = replica
    try:
        yield
    finally:
        app.state.replica = None
        REGISTRY.unregister(collector)
        await replica.stop()
