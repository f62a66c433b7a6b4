"""API keys: minting, authenticating and listing.

A key is 256 random bits behind a readable kind prefix (`sk_` secret, `pk_` publishable). Only its
SHA-256 is stored: with that much entropy a fast hash is as safe as a slow one and costs one indexed
lookup per request.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q

from models import ApiKey
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.errors import Forbidden, NotFound, Unauthenticated

_KIND_PREFIX = {ApiKeyKind.SECRET: "sk_", ApiKeyKind.PUBLISHABLE: "pk_"}
_VISIBLE_CHARS = 12
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key, so reads stay reads."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key of one workspace with its kind and scopes."""

    workspace_id: int
    key_id: int
    kind: ApiKeyKind
    scopes: frozenset[ApiKeyScope]
    assistant_id: int | None = None

    def require_reader(self) -> "Principal":
        if self.kind is not ApiKeyKind.SECRET or ApiKeyScope.READ not in self.scopes:
            raise Forbidden("This key cannot read conversation records: use a secret key.")
        return self


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_api_key(
    workspace_id: int,
    kind: ApiKeyKind,
    scopes: frozenset[ApiKeyScope],
    *,
    name: str | None = None,
    assistant_id: int | None = None,
) -> tuple[ApiKey, str]:
    """The stored key and its secret, which is never available again."""
    secret = _KIND_PREFIX[kind] + secrets.token_urlsafe(32)
    key = await ApiKey.create(
        workspace_id=workspace_id,
        assistant_id=assistant_id,
        kind=kind,
        prefix=secret[:_VISIBLE_CHARS],
        secret_hash=hash_secret(secret),
        scopes=",".join(sorted(scope.value for scope in scopes)),
        name=name,
    )
    return key, secret


def scopes_of(key: ApiKey) -> frozenset[ApiKeyScope]:
    return frozenset(ApiKeyScope(scope) for scope in key.scopes.split(",") if scope)


async def authenticate(secret: str) -> Principal:
    key = await ApiKey.get_or_none(secret_hash=hash_secret(secret), revoked_at=None)
    if key is None:
        raise Unauthenticated("Invalid or revoked API key.")
    now = datetime.now(UTC)
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        await ApiKey.filter(
            Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION), id=key.id
        ).update(last_used_at=now)
    return Principal(
        workspace_id=key.workspace_id,  # type: ignore[attr-defined]
        key_id=key.id,
        kind=key.kind,
        scopes=scopes_of(key),
        assistant_id=key.assistant_id,  # type: ignore[attr-defined]
    )


async def list_api_keys(workspace_id: int) -> list[ApiKey]:
    return await ApiKey.filter(workspace_id=workspace_id).order_by("created_at", "id")


async def get_api_key(workspace_id: int, key_id: int) -> ApiKey:
    found = await ApiKey.get_or_none(id=key_id, workspace_id=workspace_id)
    if found is None:
        raise NotFound("API key not found.")
    return found
