"""Every limit of the public edge, on one counter store shared by every server process: the
widget's starts and messages, a secret key's cost points, failed authentications per address, and
websocket caps (socket leases). A refused request spends nothing."""

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass

from resolvers.limits.bounds import Bounds
from resolvers.limits.counters import CounterStore, DatabaseCounters, RedisCounters
from resolvers.limits.knowntokens import KnownTokens
from resolvers.limits.limiter import LeasedLimiter, Limiter
from resolvers.limits.socketleases import SocketLeases

logger = logging.getLogger("parley.ratelimit")


@dataclass(frozen=True)
class EdgeLimits:
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


@dataclass
class SocketCap:
    """How many websockets one subject (a key, an address) may hold open across all processes."""

    cap: int


class RateLimits:
    """Every limit of the public edge, on one store; made and closed by the app's lifespan."""

    def __init__(self, store: CounterStore, bounds: Bounds, limits: EdgeLimits) -> None:
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
        cls, bounds: Bounds, limits: EdgeLimits, redis_url: str | None, redis_prefix: str
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
