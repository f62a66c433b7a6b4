"""API keys: their type (prefixes only, never secrets), and the root fields that list, mint and
revoke them."""

from datetime import datetime
from typing import Annotated

import strawberry

from models import ApiKey as ApiKeyRow
from resolvers.apikey import issue_key, list_api_keys, revoke_key, scopes_of
from resolvers.ids import decode_id, encode_id
from schema.arguments import IdArgument
from schema.common import Node
from schema.context import Info
from schema.enums import ApiKeyKind, ApiKeyScope


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


@strawberry.input(description="A new API key.")
class CreateApiKeyInput:
    kind: ApiKeyKind = strawberry.field(description="SECRET for servers, PUBLISHABLE for a widget.")
    scopes: list[ApiKeyScope] | None = strawberry.field(
        default=None, description="Secret keys only; default READ and WRITE."
    )
    assistant_id: strawberry.ID | None = strawberry.field(
        default=None, description="The assistant of a publishable key (required for those)."
    )
    name: str | None = strawberry.field(default=None, description="A label for people.")


@strawberry.type(description="A new key and its secret.")
class CreateApiKeyPayload:
    api_key: ApiKey = strawberry.field(description="The key as it will be listed.")
    secret: str = strawberry.field(
        description="The whole key. Shown this once: only a hash of it is stored."
    )


@strawberry.type
class ApiKeyQueries:
    @strawberry.field(description="The workspace's API keys: prefixes, never secrets.")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        workspace_id = info.context.reader().workspace_id
        return [ApiKey.of(row) for row in await list_api_keys(workspace_id)]


@strawberry.type
class ApiKeyMutations:
    @strawberry.mutation(description="Create an API key; its secret is shown this once.")
    async def create_api_key(
        self,
        info: Info,
        input: Annotated[CreateApiKeyInput, strawberry.argument(description="The key.")],
    ) -> CreateApiKeyPayload:
        caller = info.context.caller().require_writer()
        assistant_id = (
            decode_id(input.assistant_id, "Assistant") if input.assistant_id is not None else None
        )
        scopes = frozenset(input.scopes) if input.scopes is not None else None
        row, secret = await issue_key(caller, input.kind, scopes, assistant_id, input.name)
        return CreateApiKeyPayload(api_key=ApiKey.of(row), secret=secret)

    @strawberry.mutation(description="Revoke an API key at once (idempotent).")
    async def revoke_api_key(self, info: Info, id: IdArgument) -> ApiKey:
        caller = info.context.caller().require_writer()
        return ApiKey.of(await revoke_key(caller.workspace_id, decode_id(id, "ApiKey")))
