"""Tokens this process has seen authenticate lately, so guesses go one at a time per address."""

import asyncio
import time
from collections import OrderedDict

from resolvers.limits.limiter import MAX_KNOWN

KNOWN_SECONDS = 300.0


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
