"""Callers authenticated a moment ago, so a request (or a socket's next operation) skips the key
lookup.

An entry lives at most `ttl_seconds` and never past its session token's expiry. A revoked key is
dropped the moment any process announces it (resolvers/apikey.py), and everything is dropped when
announcements may have been missed, so a revocation takes effect at once everywhere.
"""

import time
from collections import OrderedDict
from datetime import UTC, datetime

from resolvers.apikey import hash_secret
from resolvers.callers.caller import Caller


class CallerCache:
    def __init__(self, ttl_seconds: float = 10.0, max_entries: int = 10_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Caller]] = OrderedDict()

    def get(self, token: str) -> Caller | None:
        if self.ttl_seconds <= 0:
            return None
        digest = hash_secret(token)
        entry = self._entries.get(digest)
        if entry is None:
            return None
        stored_at, principal = entry
        expired = principal.expires_at is not None and principal.expires_at <= datetime.now(UTC)
        if expired or time.monotonic() - stored_at > self.ttl_seconds:
            del self._entries[digest]
            return None
        self._entries.move_to_end(digest)
        return principal

    def put(self, token: str, principal: Caller) -> None:
        if self.ttl_seconds <= 0:
            return
        digest = hash_secret(token)
        self._entries[digest] = (time.monotonic(), principal)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def revoked(self, key_id: int | None) -> None:
        """Forgets a revoked key (all keys with None: announcements may have been missed)."""
        if key_id is None:
            self._entries.clear()
            return
        for digest in [d for d, (_, p) in self._entries.items() if p.key_id == key_id]:
            del self._entries[digest]

    def __len__(self) -> int:
        return len(self._entries)
