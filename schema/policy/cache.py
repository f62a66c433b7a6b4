"""Validated documents, kept by their query text and bounded by the memory they hold.

A parsed document holds far more memory than its text (measured: 400-560 bytes per token, so
100-280 times the text of usual documents), so each entry weighs its text plus TOKEN_BYTES per
token, and the least recently used documents leave first once the total passes the bound. Only
documents that passed validation are stored: a stream of distinct invalid or refused documents
never evicts the ones clients really send.

The same entries serve automatic persisted queries (server/persisted.py): a client's SHA-256 of a
cached query names it for as long as its document stays cached, so only valid documents can be
persisted and the one bound covers both.
"""

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, Token

from schema.policy.cost import OperationCost

TOKEN_BYTES = 600
"""Memory one token of a parsed document holds, its node and location included (measured)."""
DIGEST_BYTES = 250
"""What a persisted query's hash adds to its entry: the hex string and its two index slots."""


def digest_of(query: str) -> str:
    """The SHA-256 of the query's UTF-8 text in lowercase hex, as clients compute it for
    persisted queries: the name a document goes by in logs too."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


def weight(query: str, document: DocumentNode) -> int:
    """The memory an entry is charged: its text and an estimate of its tree."""
    tokens = 0
    token: Token | None = document.loc.start_token if document.loc else None
    while token is not None:
        tokens += 1
        token = token.next
    return len(query) + TOKEN_BYTES * tokens


@dataclass(frozen=True)
class Analysed:
    """What is known about a validated document, whatever the request's variables or caller."""

    document: DocumentNode
    operations: int
    costs: dict[str | None, OperationCost]
    introspects: frozenset[str | None]
    """The operations (by name) that read `__schema` or `__type`."""
    plans: dict[Any, Any] = field(default_factory=dict, compare=False)
    """Compiled plans of its operations (schema/plan), made on first use: they live and leave
    with the document. Small beside the document they point into; not charged separately."""


class DocumentCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[Analysed, int]] = OrderedDict()
        self._persisted: dict[str, str] = {}
        """Hash → query, for the cached queries a client sent with their hash."""
        self._digests: dict[str, str] = {}
        """Query → hash, to forget the hash when its query leaves."""

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> Analysed | None:
        entry = self._entries.get(query)
        if entry is None:
            return None
        self._entries.move_to_end(query)
        return entry[0]

    def put(self, query: str, analysed: Analysed) -> None:
        """Keeps the document unless it alone weighs more than the whole cache."""
        charged = weight(query, analysed.document)
        if charged > self.max_bytes or query in self._entries:
            return
        self._entries[query] = (analysed, charged)
        self.bytes += charged
        self._evict()

    def persisted(self, digest: str) -> str | None:
        """The query persisted under this SHA-256 (hex), while its document is cached."""
        query = self._persisted.get(digest)
        if query is not None:
            self._entries.move_to_end(query)
        return query

    def persist(self, digest: str, query: str) -> None:
        """Names a cached query by its hash (the caller checked it); a query that is not cached,
        because it was refused or invalid, is not remembered."""
        entry = self._entries.get(query)
        if entry is None or query in self._digests:
            return
        self._entries[query] = (entry[0], entry[1] + DIGEST_BYTES)
        self._entries.move_to_end(query)
        self._persisted[digest] = query
        self._digests[query] = digest
        self.bytes += DIGEST_BYTES
        self._evict()

    def _evict(self) -> None:
        while self.bytes > self.max_bytes:
            query, (_, evicted) = self._entries.popitem(last=False)
            self.bytes -= evicted
            digest = self._digests.pop(query, None)
            if digest is not None:
                del self._persisted[digest]
