"""`parley engine`: the built-in engine alone, for those who scale it apart from `parley serve`.

It opens the database, starts this process's live machinery (its reply board tells watchers on
the serving processes every piece through PostgreSQL, which it therefore needs: with SQLite the
engine runs inside `parley serve`), and answers turns until SIGTERM or SIGINT, when it stops
claiming and fails the turns in flight cleanly.
"""

import asyncio
import logging
import signal

from server.database import open_database
from server.engine.worker import Engine
from server.settings import Settings
from subscriptions.live import Live

logger = logging.getLogger("parley.engine")


async def run_engine(settings: Settings) -> int:
    async with open_database(settings):
        live = Live(settings.database.url, settings.live)
        await live.start()
        engine = Engine(settings.engine, settings.bounds, live, settings.webhooks)
        engine.start()
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        print(f"parley engine {engine.worker}: answering turns (Ctrl-C stops)", flush=True)
        try:
            await stopping.wait()
        finally:
            await engine.stop()
            await live.stop()
    return 0
