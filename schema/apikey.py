"""API key type: prefixes only, never secrets."""

from datetime import datetime

import strawberry

from models import ApiKey as ApiKeyRow
from resolvers.ids import encode_id
from resolvers.keys import scopes_of
from schema.enums import ApiKeyKind, ApiKeyScope
from schema.node import Node


@strawberry.type(description="An API key as it can be shown again: its prefix, never its secret.")
class ApiKey(Node):
    kind: ApiKeyKind = strawberry.field(description="Secret or publishable.")
    prefix: str = strawberry.field(description="The key's first characters, to tell keys apart.")
    scopes: list[ApiKeyScope] = strawberry.field(description="What the key may do.")
    name: str | None = strawberry.field(description="A label given at creation.")
    created_at: datetime = strawberry.field(description="When the key was created.")
    last_used_at: datetime | None = strawberry.field(
        description="Last authenticated request, to the minute."
    )
    revoked_at: datetime | None = strawberry.field(description="When the key was revoked.")

    @classmethod
    def of(cls, row: ApiKeyRow) -> "ApiKey":
        return cls(
            id=strawberry.ID(encode_id("ApiKey", row.id)),
            kind=row.kind,
            prefix=row.prefix,
            scopes=sorted(scopes_of(row)),
            name=row.name,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )
