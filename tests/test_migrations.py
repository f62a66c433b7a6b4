"""Migrations, not `generate_schemas`, build the database, and they say what the models say."""

import asyncio
import json
import os
import sys
from pathlib import Path

import asyncpg
from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from models.config import tortoise_config
from server.settings import PROJECT_ROOT, Settings
from subscriptions.broker import listener_dsn
from tests.support.database import BACKEND, POSTGRES_URL
from tests.support.waiting import bounded


async def test_models_and_migrations_agree(settings: Settings) -> None:
    apps = Tortoise.apps
    assert apps is not None
    detector = MigrationAutodetector(apps, tortoise_config(settings.database.url)["apps"])
    changes = await detector.changes()
    assert [writer.name for writer in changes] == [], "run makemigrations: models changed"


async def test_a_database_holding_records_upgrades_and_its_rows_take_the_defaults(
    settings: Settings, tmp_path: Path
) -> None:
    """Columns added later that may not be null (an assistant's widget mode, a message's state)
    are added to tables that already hold rows, which take the column's default."""
    if BACKEND == "postgres":
        schema = f"parley_upgrade_{os.getpid()}"
        await _postgres(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        separator = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{separator}schema={schema}"
    else:
        url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    try:
        finished = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.support.upgrade", url, "0015_webhooks",
            cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with bounded(120, "migrating an old database with records to the latest"):
            out, err = await finished.communicate()
        assert finished.returncode == 0, err.decode()[-2000:]
    finally:
        if BACKEND == "postgres":
            await _postgres(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    rows = json.loads(out.decode().strip().splitlines()[-1])
    assert rows["assistant"] == [{"widget_mode": "CHAT"}]
    assert rows["message"] == [{"state": "COMPLETE", "streamed_at": None}]


async def _postgres(sql: str) -> None:
    connection = await asyncpg.connect(listener_dsn(POSTGRES_URL))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()
