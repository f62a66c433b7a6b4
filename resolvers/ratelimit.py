"""Rate limits shared by every server process: fixed-window counters, one per limit and subject.

The counters live in the database (`rate_counter`; PostgreSQL for several workers, SQLite for one)
or in Redis when a Redis URL is given. Each check is one atomic statement or script, so N workers
together let exactly the limit through in a window. A refused request spends nothing. Expired rows
are swept; Redis keys expire by themselves. Socket counts are per process (see `Gauge`).
"""

import asyncio
import logging
import math
import re
import time
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from resolvers.bounds import Bounds
from resolvers.errors import RateLimited
from resolvers.socketleases import SocketLeases
from resolvers.sql import Params, db, dialect, fetch

WINDOW_SECONDS = 60.0
MAX_KNOWN = 100_000
KNOWN_SECONDS = 300.0
logger = logging.getLogger("parley.ratelimit")


@dataclass(frozen=True)
class Limits:
    """What the public edge allows per minute or at once; 0 turns a limit off."""

    points_per_minute: int = 100_000
    """Cost points one secret key may spend per minute (1 per request until queries are costed)."""
    failed_auth_per_minute: int = 20
    """Bad keys or tokens one client address may present per minute; then RATE_LIMITED."""
    ws_connections_per_key: int = 100
    """Open websockets per key or session token, per server process."""
    ws_connections_per_address: int = 50
    """Open websockets per client address, per server process."""
    subscriptions_per_socket: int = 50
    """Running subscriptions on one websocket."""
    rate_counter_sweep_seconds: int = 60
    """How often expired counters are deleted from the database; 0: never."""


@dataclass(frozen=True)
class Verdict:
    """One check of one limit: what the `RateLimit-*` headers and `retryAfter` report."""

    limit: int
    remaining: int
    reset_seconds: float
    allowed: bool

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends, never 0."""
        return max(1, math.ceil(self.reset_seconds))

    def refusal(self, what: str) -> RateLimited:
        return RateLimited(
            f"Too many {what}: retry in {self.retry_after} s.", retryAfter=self.retry_after
        )


class CounterStore(Protocol):
    async def hit(
        self, key: str, amount: int, limit: int, period: float
    ) -> tuple[int, float, bool]:
        """Adds `amount` unless that passes `limit`: (count, seconds to reset, added)."""

    async def peek(self, key: str) -> tuple[int, float]:
        """The count and seconds to reset, without changing anything."""

    async def sweep(self) -> None:
        """Forgets ended windows."""

    async def reset(self) -> None:
        """Forgets every counter of this store (tests)."""

    async def close(self) -> None: ...


_UPSERT = """INSERT INTO rate_counter (key, hits, resets_at, added)
VALUES (:key, :first, :ends, :first)
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN rate_counter.resets_at <= :now THEN excluded.hits
              WHEN rate_counter.hits + :amount <= :limit THEN rate_counter.hits + :amount
              ELSE rate_counter.hits END,
  added = CASE WHEN rate_counter.resets_at <= :now THEN excluded.added
               WHEN rate_counter.hits + :amount <= :limit THEN :amount
               ELSE 0 END,
  resets_at = CASE WHEN rate_counter.resets_at <= :now THEN excluded.resets_at
                   ELSE rate_counter.resets_at END
RETURNING hits, resets_at, added"""


def _bind(sql: str, values: dict[str, object]) -> tuple[str, Params]:
    """`:name` markers as each database's placeholders, bound in the order they appear."""
    params = Params(dialect())
    return re.sub(r":(\w+)", lambda match: params.add(values[match[1]]), sql), params


class DatabaseCounters:
    """Counters in the `rate_counter` table, one INSERT … ON CONFLICT … RETURNING per check."""

    async def hit(
        self, key: str, amount: int, limit: int, period: float
    ) -> tuple[int, float, bool]:
        now = time.time()
        first = amount if 0 <= amount <= limit else 0  # a give-back never starts a window
        values = {"key": key, "first": first, "ends": now + period, "now": now}
        sql, params = _bind(_UPSERT, {**values, "amount": amount, "limit": limit})
        row = (await fetch(sql, params))[0]
        added = int(row["added"]) == amount and amount <= limit
        return int(row["hits"]), max(0.0, float(row["resets_at"]) - now), added

    async def peek(self, key: str) -> tuple[int, float]:
        now = time.time()
        sql, params = _bind(
            "SELECT hits, resets_at FROM rate_counter WHERE key = :key", {"key": key}
        )
        rows = await fetch(sql, params)
        if not rows or float(rows[0]["resets_at"]) <= now:
            return 0, 0.0
        return int(rows[0]["hits"]), float(rows[0]["resets_at"]) - now

    async def sweep(self) -> None:
        sql, params = _bind(
            "DELETE FROM rate_counter WHERE resets_at <= :now", {"now": time.time()}
        )
        await fetch(sql, params)

    async def reset(self) -> None:
        await db().execute_script("DELETE FROM rate_counter")

    async def close(self) -> None:
        return None


_SCRIPT = """
local ttl = redis.call('PTTL', KEYS[1])
local hits = 0
if ttl > 0 then hits = tonumber(redis.call('GET', KEYS[1]) or '0') end
local amount, limit, period = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if amount < 0 and ttl <= 0 then return {0, period, 1} end
if hits + amount > limit then
  if ttl <= 0 then ttl = period end
  return {hits, ttl, 0}
end
if ttl <= 0 then
  redis.call('SET', KEYS[1], amount, 'PX', period)
  return {amount, period, 1}
end
return {redis.call('INCRBY', KEYS[1], amount), ttl, 1}
"""


class RedisCounters:
    """Counters as Redis keys under `prefix`, one Lua script per check; keys expire with their
    window. A Redis that does not answer within a second lets requests through (logged at most
    every 10 s): the limits fail open rather than take the service down with them."""

    def __init__(self, url: str, prefix: str) -> None:
        self.prefix = prefix
        self.redis: Redis = Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._script = self.redis.register_script(_SCRIPT)
        self._warned_at = -math.inf

    async def hit(
        self, key: str, amount: int, limit: int, period: float
    ) -> tuple[int, float, bool]:
        args = [amount, limit, math.ceil(period * 1000)]
        try:
            hits, ttl_ms, added = await self._script(keys=[self.prefix + key], args=args)
        except (RedisError, OSError) as error:
            self._unreachable(error)
            return 0, period, True
        return int(hits), int(ttl_ms) / 1000, bool(added)

    async def peek(self, key: str) -> tuple[int, float]:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.get(self.prefix + key)
                pipe.pttl(self.prefix + key)
                hits, ttl_ms = await pipe.execute()
        except (RedisError, OSError) as error:
            self._unreachable(error)
            return 0, 0.0
        if hits is None or int(ttl_ms) <= 0:
            return 0, 0.0
        return int(hits), int(ttl_ms) / 1000

    def _unreachable(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 10:
            self._warned_at = now
            logger.warning("rate limits not enforced: Redis did not answer (%s)", error)

    async def sweep(self) -> None:
        return None  # keys expire by themselves

    async def reset(self) -> None:
        async for name in self.redis.scan_iter(match=self.prefix + "*", count=1000):
            await self.redis.delete(name)

    async def close(self) -> None:
        await self.redis.aclose()


class Limiter:
    """`limit` actions (or points) per subject per `period` seconds, counted in `store`."""

    def __init__(self, store: CounterStore, name: str, limit: int, period: float = WINDOW_SECONDS):
        self.store, self.name, self.limit, self.period = store, name, limit, period

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    async def take(self, subject: str, amount: int = 1) -> Verdict | None:
        """Spends `amount` if it fits the window; None when this limit is off."""
        if not self.enabled:
            return None
        hits, reset, added = await self.store.hit(
            f"{self.name}:{subject}", amount, self.limit, self.period
        )
        return Verdict(self.limit, max(0, self.limit - hits), reset, added)

    async def give_back(self, subject: str) -> None:
        """Returns one unit a `take` reserved for something that turned out not to count."""
        if self.enabled:
            await self.store.hit(f"{self.name}:{subject}", -1, self.limit, self.period)

    async def check(self, subject: str) -> Verdict | None:
        """Whether one more would fit, spending nothing; None when this limit is off."""
        if not self.enabled:
            return None
        hits, reset = await self.store.peek(f"{self.name}:{subject}")
        return Verdict(self.limit, max(0, self.limit - hits), reset, hits < self.limit)


LEASE_REQUESTS = 8
"""Requests of the size asked that one lease covers, within 5% of the limit."""


class LeasedLimiter(Limiter):
    """A budget spent often in small amounts (cost points): each process takes a lease from the
    shared counter and spends it locally, so most requests write nothing. A lease is 1% of the
    limit, or enough for LEASE_REQUESTS requests of the size asked if that is more, up to 5%: a
    dashboard's pages of 50 rows (hundreds of points each) then write the counter once every few
    requests, not on most of them. Never more than the limit is spent in a window; near its end
    a key may be refused up to a lease per process early. `RateLimit-Remaining` is then as of the
    last lease."""

    def __init__(self, store: CounterStore, name: str, limit: int, period: float = WINDOW_SECONDS):
        super().__init__(store, name, limit, period)
        self._leases: OrderedDict[str, tuple[int, int, float]] = OrderedDict()
        """subject → (points left in the lease, shared remaining after it, monotonic end)."""
        self._refused: OrderedDict[str, tuple[int, float]] = OrderedDict()
        """subject → (what was left, monotonic end of the window) when a take was refused: until
        then a take of more than that is refused here without asking the store (counts only grow
        within a window), so a spent key hammering costs no writes."""

    async def take(self, subject: str, amount: int = 1) -> Verdict | None:
        if not self.enabled:
            return None
        now = time.monotonic()
        left_then, refused_until = self._refused.get(subject, (0, now))
        if refused_until > now and amount > left_then:
            return Verdict(self.limit, left_then, refused_until - now, False)
        left, remaining, ends = self._leases.pop(subject, (0, 0, now))
        if ends > now and left >= amount:
            self._lease(subject, left - amount, remaining, ends)
            return Verdict(self.limit, remaining + left - amount, ends - now, True)
        lease = max(amount, min(amount * LEASE_REQUESTS, self.limit // 20), self.limit // 100)
        verdict = await super().take(subject, lease)
        if verdict is not None and not verdict.allowed and lease > amount:
            lease = amount
            verdict = await super().take(subject, lease)
        if verdict is not None and verdict.allowed:
            self._refused.pop(subject, None)
            self._lease(subject, lease - amount, verdict.remaining, now + verdict.reset_seconds)
            return Verdict(
                self.limit, verdict.remaining + lease - amount, verdict.reset_seconds, True
            )
        if verdict is not None:
            self._refused.pop(subject, None)
            self._refused[subject] = (verdict.remaining, now + verdict.reset_seconds)
            while len(self._refused) > MAX_KNOWN:
                self._refused.popitem(last=False)
        return verdict

    def _lease(self, subject: str, left: int, remaining: int, ends: float) -> None:
        self._leases[subject] = (left, remaining, ends)
        while len(self._leases) > MAX_KNOWN:
            self._leases.popitem(last=False)

    def clear(self) -> None:
        self._leases.clear()
        self._refused.clear()


@dataclass
class SocketCap:
    """How many websockets one subject (a key, an address) may hold open across all processes."""

    cap: int


class KnownTokens:
    """Which tokens this process has seen authenticate from which address lately. A token not
    seen yet (every guess) is authenticated one at a time per address, so a concurrent burst of
    guesses cannot run past the shared count of failures: across N processes at most N - 1
    beyond the limit. Known tokens (a server's own key, reused) stay concurrent."""

    def __init__(self, seconds: float = KNOWN_SECONDS, size: int = MAX_KNOWN) -> None:
        self.seconds, self.size = seconds, size
        self._known: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._locks: OrderedDict[str, asyncio.Lock] = OrderedDict()

    def known(self, address: str, digest: str) -> bool:
        until = self._known.get((address, digest))
        return until is not None and until > time.monotonic()

    def learn(self, address: str, digest: str) -> None:
        self._known.pop((address, digest), None)
        self._known[(address, digest)] = time.monotonic() + self.seconds
        while len(self._known) > self.size:
            self._known.popitem(last=False)

    def forget(self, address: str, digest: str) -> None:
        self._known.pop((address, digest), None)

    def lock(self, address: str) -> asyncio.Lock:
        """What unknown tokens from `address` wait on, one at a time."""
        lock = self._locks.pop(address, None) or asyncio.Lock()
        self._locks[address] = lock
        while len(self._locks) > self.size:
            self._locks.popitem(last=False)
        return lock

    def clear(self) -> None:
        self._known.clear()
        self._locks.clear()


class RateLimits:
    """Every limit of the public edge, on one store; made and closed by the app's lifespan."""

    def __init__(self, store: CounterStore, bounds: Bounds, limits: Limits) -> None:
        self.store = store
        self.settings = limits
        self.starts = Limiter(store, "starts", bounds.widget_starts_per_minute)
        self.messages = Limiter(store, "messages", bounds.widget_messages_per_minute)
        self.points = LeasedLimiter(store, "points", limits.points_per_minute)
        self.failed_auth = Limiter(store, "failed-auth", limits.failed_auth_per_minute)
        self.sockets_per_key = SocketCap(limits.ws_connections_per_key)
        self.sockets_per_address = SocketCap(limits.ws_connections_per_address)
        self.socket_leases = SocketLeases()
        self.known_tokens = KnownTokens()
        self._sweeper: asyncio.Task[None] | None = None

    @classmethod
    def open(
        cls, bounds: Bounds, limits: Limits, redis_url: str | None, redis_prefix: str
    ) -> "RateLimits":
        store: CounterStore = (
            RedisCounters(redis_url, redis_prefix) if redis_url else DatabaseCounters()
        )
        rate_limits = cls(store, bounds, limits)
        rate_limits.socket_leases.start()
        if limits.rate_counter_sweep_seconds > 0 and not redis_url:
            rate_limits._sweeper = asyncio.create_task(
                rate_limits._sweep_forever(limits.rate_counter_sweep_seconds), name="rate-sweeper"
            )
        return rate_limits

    async def _sweep_forever(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.store.sweep()
            except Exception:  # a failed sweep is logged and tried again next time
                logger.exception("sweeping rate counters failed")

    async def reset(self) -> None:
        """Forgets every count (tests start from zero)."""
        await self.store.reset()
        await self.socket_leases.forget_all()
        self.known_tokens.clear()
        self.points.clear()

    async def close(self) -> None:
        await self.socket_leases.stop()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await self._sweeper
        await self.store.close()
