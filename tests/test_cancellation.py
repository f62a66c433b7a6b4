"""A task cancelled at any point of a transaction (a request past its deadline, a webhook worker
stopped) leaves the database usable by everyone else (models/engines/sqlite.py: Tortoise's SQLite
transaction kept its lock when cancelled while beginning, and the process hung)."""

import asyncio

from starlette.applications import Starlette
from tortoise.transactions import in_transaction

from resolvers.database.sql import db


async def test_a_transaction_cancelled_anywhere_leaves_the_database_usable(app: Starlette) -> None:
    entered = 0

    async def transaction() -> None:
        nonlocal entered
        async with in_transaction() as connection:
            entered += 1
            await connection.execute_query("SELECT 1")

    for turns in range(40):  # cancelled while beginning, inside the block, while committing
        task = asyncio.create_task(transaction())
        for _ in range(turns):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        try:
            async with asyncio.timeout(5):
                assert await db().execute_query_dict("SELECT 1 AS one") == [{"one": 1}]
        except TimeoutError:
            raise AssertionError(
                f"a statement waited 5 s after a transaction was cancelled {turns} turns in"
            ) from None
    assert 0 < entered < 40  # some were cancelled before the block, some inside it
