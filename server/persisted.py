"""Automatic persisted queries, as Apollo Server answers them: a request may name its document by
`extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}` instead of sending it.

- hash, no query: the remembered query runs; unknown, the answer is `PersistedQueryNotFound`
  (code PERSISTED_QUERY_NOT_FOUND, HTTP 200, never cached) and the client sends both;
- hash and query: the hash must be the query's SHA-256; the query runs and, once it has passed the
  document limits and validation, is remembered (the document cache keeps it,
  schema/policy/cache.py).

Resolved where the view reads the request: after the gate has authenticated it (401 without a key,
as any request) and before the schema, which refuses a request without its query text.
"""

import re
from collections.abc import Mapping
from typing import Any

from cross_web import HTTPException

from resolvers.errors import ParleyError
from schema.policy.cache import DocumentCache, digest_of

VERSION = 1
_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
NOT_CACHED = {"cache-control": "private, no-cache, must-revalidate"}
"""A miss is answered so that no cache keeps it: the client's next try registers the query."""


class PersistedQueryNotFound(ParleyError):
    """The hash names no query this process remembers (it never saw it, or has forgotten it)."""

    code = "PERSISTED_QUERY_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("PersistedQueryNotFound")


def requested_digest(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash a request names (lowercase), or None when it names none; 400 when malformed."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise HTTPException(400, "`extensions.persistedQuery` must be an object or null.")
    version = persisted.get("version")
    if type(version) is not int or version != VERSION:
        raise HTTPException(400, "Unsupported persisted query version")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise HTTPException(
            400, "`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits."
        )
    return digest.lower()


def resolve(digest: str, query: str | None, documents: DocumentCache) -> str:
    """The query to run for a request naming `digest`, with or without its text."""
    if query is None:
        remembered = documents.persisted(digest)
        if remembered is None:
            raise PersistedQueryNotFound
        return remembered
    if digest_of(query) != digest:
        # Else a client could attach another document to a hash that others send.
        raise HTTPException(400, "provided sha does not match query")
    return query
