"""Validated documents, kept by their query text and bounded by the total length of those texts.

A parsed document holds far more memory than its text, so the bound is on the texts' length
(which the token limit keeps proportional to the trees), and the least recently used documents
leave first. Only documents that passed validation are stored: a stream of distinct invalid or
refused documents never evicts the ones clients really send.
"""

from collections import OrderedDict
from dataclasses import dataclass

from graphql import DocumentNode

from schema.cost import OperationCost


@dataclass(frozen=True)
class Analysed:
    """What is known about a validated document, whatever the request's variables or caller."""

    document: DocumentNode
    operations: int
    costs: dict[str | None, OperationCost]
    introspects: frozenset[str | None]
    """The operations (by name) that read `__schema` or `__type`."""


class DocumentCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, Analysed] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str) -> Analysed | None:
        entry = self._entries.get(query)
        if entry is not None:
            self._entries.move_to_end(query)
        return entry

    def put(self, query: str, entry: Analysed) -> None:
        """Keeps the document unless its text alone is larger than the whole cache."""
        if len(query) > self.max_bytes or query in self._entries:
            return
        self._entries[query] = entry
        self.bytes += len(query)
        while self.bytes > self.max_bytes:
            oldest, _ = self._entries.popitem(last=False)
            self.bytes -= len(oldest)
