"""Migrations, not `generate_schemas`, build the database, and they say what the models say."""

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from models.config import tortoise_config
from server.settings import Settings


async def test_models_and_migrations_agree(settings: Settings) -> None:
    apps = Tortoise.apps
    assert apps is not None
    detector = MigrationAutodetector(apps, tortoise_config(settings.database_url)["apps"])
    changes = await detector.changes()
    assert [writer.name for writer in changes] == [], "run makemigrations: models changed"
