"""Where rate-limit counters live: fixed windows in the database (`rate_counter`; PostgreSQL for
several workers, SQLite for one) or in Redis when a Redis URL is given.

Each check is one atomic statement or script, so N workers together let exactly the limit through in
a window. Expired rows are swept; Redis keys expire by themselves.
"""

import logging
import math
import re
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from resolvers.database.sql import Params, db, dialect, fetch

logger = logging.getLogger("parley.ratelimit")


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
