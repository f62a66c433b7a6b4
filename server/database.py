"""Opening the database outside a web request: for the CLI, migrations and scripts."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from models.config import tortoise_config
from server.settings import Settings


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
