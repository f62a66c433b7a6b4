"""Both counter stores answer alike: exactly the limit per window, refusals spend nothing,
windows end, and concurrent checks never let more through."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from resolvers.limits.counters import CounterStore, DatabaseCounters, RedisCounters
from resolvers.limits.limiter import LeasedLimiter, Limiter
from tests.support.ratelimiting import redis_counters


@pytest.fixture(params=["database", "redis"])
async def store(request: pytest.FixtureRequest, app: Starlette) -> AsyncIterator[CounterStore]:
    if request.param == "database":
        yield DatabaseCounters()
        return
    async with redis_counters() as counters:
        yield counters


async def test_exactly_the_limit_passes_in_a_window(store: CounterStore) -> None:
    limiter = Limiter(store, "test", 3)
    verdicts = [await limiter.take("visitor") for _ in range(5)]
    assert [verdict.allowed for verdict in verdicts if verdict] == [True] * 3 + [False] * 2
    assert [verdict.remaining for verdict in verdicts if verdict] == [2, 1, 0, 0, 0]
    assert all(0 < verdict.reset_seconds <= 60 for verdict in verdicts if verdict)
    other = await limiter.take("someone else")
    assert other is not None
    assert other.allowed


async def test_a_refused_amount_spends_nothing(store: CounterStore) -> None:
    points = Limiter(store, "points", 100)
    first, second, third = [await points.take("key", amount) for amount in (60, 60, 40)]
    assert first is not None
    assert first.allowed
    assert second is not None
    assert not second.allowed
    assert second.remaining == 40
    assert third is not None
    assert third.allowed
    assert third.remaining == 0


async def test_a_window_ends(store: CounterStore) -> None:
    limiter = Limiter(store, "short", 1, period=0.2)
    first, second = await limiter.take("visitor"), await limiter.take("visitor")
    assert first is not None
    assert first.allowed
    assert second is not None
    assert not second.allowed
    await asyncio.sleep(0.3)
    again = await limiter.take("visitor")
    assert again is not None
    assert again.allowed
    checked = await limiter.check("visitor")
    assert checked is not None
    assert not checked.allowed
    assert checked.remaining == 0


async def test_concurrent_checks_let_exactly_the_limit_through(store: CounterStore) -> None:
    limiter = Limiter(store, "flood", 10)
    verdicts = await asyncio.gather(*(limiter.take("visitor") for _ in range(40)))
    assert sum(1 for verdict in verdicts if verdict and verdict.allowed) == 10


async def test_a_limit_of_zero_is_off(store: CounterStore) -> None:
    assert await Limiter(store, "off", 0).take("anyone") is None
    assert await Limiter(store, "off", 0).check("anyone") is None


async def test_an_unreachable_redis_lets_requests_through(caplog: pytest.LogCaptureFixture) -> None:
    counters = RedisCounters("redis://127.0.0.1:1/0", "parley-test:nowhere:")
    try:
        verdict = await Limiter(counters, "test", 1).take("visitor")
        checked = await Limiter(counters, "test", 1).check("visitor")
    finally:
        await counters.close()
    assert verdict is not None
    assert verdict.allowed
    assert checked is not None
    assert checked.allowed
    assert "Redis did not answer" in caplog.text


async def test_leased_points_never_pass_the_budget_across_processes(store: CounterStore) -> None:
    """Two processes' limiters on one store, spending 1 point at a time: a write per lease of
    1% of the budget, never more than the budget, at most a lease each left unspent."""
    one, two = LeasedLimiter(store, "points", 1000), LeasedLimiter(store, "points", 1000)
    spent = 0
    for n in range(1200):
        verdict = await (one if n % 2 else two).take("key")
        assert verdict is not None
        spent += verdict.allowed
    hits, _ = await store.peek("points:key")
    assert hits == 1000
    assert 1000 - 2 * 9 <= spent <= 1000


async def test_a_lease_covers_several_requests_of_the_size_asked(store: CounterStore) -> None:
    """Pages of 500 points on a budget of 100,000: one lease (here 4,000 points, 8 pages) serves
    eight of them, so the shared counter moves once per eight pages, not on every page."""
    limiter = LeasedLimiter(store, "points", 100_000)
    counts = []
    for _ in range(16):
        verdict = await limiter.take("key", 500)
        assert verdict is not None
        assert verdict.allowed
        counts.append((await store.peek("points:key"))[0])
    assert counts == [4000] * 8 + [8000] * 8
    assert verdict is not None
    assert verdict.remaining == 100_000 - 16 * 500


class _Counted:
    """The real store, counting what is asked of it."""

    def __init__(self, store: CounterStore) -> None:
        self.store, self.hits = store, 0

    async def hit(
        self, key: str, amount: int, limit: int, period: float
    ) -> tuple[int, float, bool]:
        self.hits += 1
        return await self.store.hit(key, amount, limit, period)


async def test_a_spent_budget_is_refused_here_until_its_window_ends(store: CounterStore) -> None:
    counted = _Counted(store)
    limiter = LeasedLimiter(counted, "spent", 100)  # type: ignore[arg-type]
    first = await limiter.take("key", 60)
    assert first is not None
    assert first.allowed
    refused = await limiter.take("key", 60)  # 40 left
    assert refused is not None
    assert not refused.allowed
    asked = counted.hits
    for _ in range(5):  # a key hammering its spent budget: refused here, the store not asked
        again = await limiter.take("key", 41)
        assert again is not None
        assert not again.allowed
        assert again.remaining == 40
        assert 0 < again.reset_seconds <= 60
    assert counted.hits == asked
    smaller = await limiter.take("key", 30)  # what fits what was left still goes through
    assert smaller is not None
    assert smaller.allowed
    assert counted.hits == asked + 1
    other = await limiter.take("another key", 60)
    assert other is not None
    assert other.allowed
