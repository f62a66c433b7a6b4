"""The webhook queue under a backlog: what one worker pass (claim, derive) costs while a receiver
has been down long enough for `--pending` deliveries to wait over `--conversations`
conversations, side by side with the same pass over an empty queue.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench .venv/bin/python -m bench.webhooks

Every worker runs these each poll (a second by default), so they must stay small however long the
backlog: claiming reads only each conversation's head delivery.
"""

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tortoise import Tortoise

from bench.database import bench_database
from models.config import tortoise_config
from resolvers.database.sql import Params, db, dialect, fetch
from resolvers.webhook import WebhookSettings
from resolvers.webhookqueue import claim, derive
from server.database import apply_migrations
from server.settings import Settings
from server.settings_concerns import DatabaseSettings

ROUNDS = 20


async def _timed(call: Callable[[], Awaitable[object]]) -> float:
    """The median of ROUNDS calls, in milliseconds (leases released between claims)."""
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
        await db().execute_script("UPDATE webhook_delivery SET leased_until = NULL")
    return statistics.median(times)


async def _backlog(pending: int, conversations: int) -> None:
    """One workspace, one endpoint, `pending` due deliveries, the first of each conversation
    its head, as the queue writes them."""
    now = datetime.now(UTC)
    earlier = now - timedelta(minutes=1)
    params = Params(dialect())
    rows = await fetch(
        "INSERT INTO workspace (name, created_at, event_seq) "
        f"VALUES ('bench', {params.add(now)}, 0) RETURNING id",
        params,
    )
    workspace = int(rows[0]["id"])
    params = Params(dialect())
    rows = await fetch(
        "INSERT INTO webhook_endpoint (workspace_id, url, description, events, "
        "conversation_filter, follow_redirects, secret, state, cursor, created_at, updated_at) "
        f"VALUES ({workspace}, 'http://receiver.example/', '', '[]', '{{}}', false, 'whsec_x', "
        f"'ENABLED', 0, {params.add(now)}, {params.add(now)}) RETURNING id",
        params,
    )
    endpoint = int(rows[0]["id"])
    batch = 5_000  # SQLite binds at most 32,766 values a statement
    for start in range(0, pending, batch):
        params = Params(dialect())
        values = []
        for seq in range(start + 1, min(pending, start + batch) + 1):
            values.append(
                f"({endpoint}, {workspace}, {seq}, {seq % conversations}, 'MESSAGE_ADDED', "
                f"{params.add(earlier)}, 'PENDING', {params.add(seq <= conversations)}, 0, "
                f"{params.add(earlier)}, {params.add(earlier)})"
            )
        await fetch(
            "INSERT INTO webhook_delivery (endpoint_id, workspace_id, event_seq, "
            "conversation_id, kind, event_at, state, head, attempts, next_attempt_at, "
            f"created_at) VALUES {', '.join(values)}",
            params,
        )
    await db().execute_script("ANALYZE")


async def main(pending: int, conversations: int) -> None:
    async with bench_database(os.environ) as target:
        settings = Settings(database=DatabaseSettings(url=target.url))
        await apply_migrations(settings)
        await Tortoise.init(config=tortoise_config(target.url, 30_000))
        try:
            worker = WebhookSettings()
            empty_claim = await _timed(lambda: claim(worker, 64))
            empty_derive = await _timed(derive)
            await _backlog(pending, conversations)
            full_claim = await _timed(lambda: claim(worker, 64))
            full_derive = await _timed(derive)
            claimed = len(await claim(replace(worker, concurrency=64), 64))
        finally:
            await Tortoise.close_connections()
    print(f"webhook queue on {target.dialect} ({target.label}), median of {ROUNDS} passes:")
    print(f"| pass | empty queue | {pending:,} pending over {conversations:,} conversations |")
    print("| --- | --- | --- |")
    print(
        f"| claim | {empty_claim:.1f} ms | {full_claim:.1f} ms ({full_claim / empty_claim:.1f}×) |"
    )
    print(
        f"| derive | {empty_derive:.1f} ms | {full_derive:.1f} ms "
        f"({full_derive / empty_derive:.1f}×) |"
    )
    print(f"one claim with room for 64 took {claimed} (the heads only)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=5_000)
    args = parser.parse_args()
    asyncio.run(main(args.pending, args.conversations))
