"""A task cancelled at any point of a transaction (a request past its deadline, a webhook worker
stopped) leaves the database usable by everyone else (models/engines/sqlite.py: Tortoise's SQLite
transaction kept its lock when cancelled while beginning, and the process hung)."""

import asyncio
from itertools import chain

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

    # Cancelled after 0, 1, 2 … event-loop turns, then after ever more: while beginning, inside
    # the block, while committing. How many turns beginning takes depends on the machine (SQLite
    # begins on aiosqlite's thread), so the turns grow until both cases were seen a few times.
    before = inside = 0
    for turns in chain(range(40), range(40, 8000, 40)):
        was = entered
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
        if entered > was:
            inside += 1
        else:
            before += 1
        if inside >= 3 and before >= 3:
            break
    # Some were cancelled before the block, some inside it (or committing).
    assert (before >= 3, inside >= 3) == (True, True), (before, inside)
