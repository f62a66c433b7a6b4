"""Writes a migration for whatever the models changed: `make migrations` (developers only).

The autodetector compares the models with the migrations on disk; it needs no database, so it runs
against an in-memory SQLite. Dialect-specific SQL (like search indexes) goes in hand-written
`RunPython` migrations such as 0002.
"""

import asyncio

from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

from models.config import tortoise_config


async def main() -> None:
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as context:
        await context.init(config=config)
        assert context.apps is not None
        writers = await MigrationAutodetector(context.apps, config["apps"]).changes()
        for writer in writers:
            print(f"wrote {writer.write()}")
        if not writers:
            print("models and migrations agree: nothing to write")


if __name__ == "__main__":
    asyncio.run(main())
