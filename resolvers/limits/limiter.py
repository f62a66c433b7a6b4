"""A limit of actions (or points) per subject per window, counted in a shared store, and the
verdict of each check: what the `RateLimit-*` headers and `retryAfter` report."""

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from resolvers.errors import RateLimited
from resolvers.limits.counters import CounterStore

WINDOW_SECONDS = 60.0
MAX_KNOWN = 100_000
"""Subjects one process remembers at most (leases, refusals, tokens seen); the oldest go first."""


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
