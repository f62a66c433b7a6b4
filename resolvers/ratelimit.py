"""Token buckets for what untrusted browsers may do: start conversations and send messages.

Each server process keeps its own buckets (several processes each allow the rate), so the limits
are a guard against floods from one widget or visitor, not a quota. Idle buckets are forgotten.
"""

import math
import time
from collections import OrderedDict
from collections.abc import Hashable

from resolvers.bounds import Bounds
from resolvers.errors import RateLimited

MAX_BUCKETS = 100_000


class RateLimiter:
    """Allows `per_minute` actions per key, in bursts of up to `burst`."""

    def __init__(self, per_minute: int, burst: int | None = None) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else per_minute)
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()

    def take(self, key: Hashable, what: str) -> None:
        """Spends one token of `key`'s bucket, or raises RATE_LIMITED with when to retry."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        tokens, then = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            retry_after = math.ceil((1 - tokens) / self.rate * 10) / 10  # up, never 0
            raise RateLimited(f"Too many {what}: retry in {retry_after} s.", retryAfter=retry_after)
        self._buckets[key] = (tokens - 1, now)
        while len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)


class WidgetLimits:
    """The buckets for widget traffic, one set per server process."""

    def __init__(self, starts_per_minute: int, messages_per_minute: int) -> None:
        self.starts = RateLimiter(starts_per_minute)
        self.messages = RateLimiter(messages_per_minute)

    @classmethod
    def of(cls, bounds: Bounds) -> "WidgetLimits":
        return cls(bounds.widget_starts_per_minute, bounds.widget_messages_per_minute)
