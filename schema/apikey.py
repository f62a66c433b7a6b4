"""API keys: their type (prefixes only, never secrets), and the root fields that list, mint and
revoke them."""

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import ApiKey as ApiKeyRow
from resolvers.apikey import issue_key, list_api_keys, revoke_key, scopes_of
from resolvers.ids import decode_id, encode_id
from schema.arguments import IdArgument
from schema.common import Node
from schema.context import Info
from schema.enums import ApiKeyKind, ApiKeyScope
from schema.reads import built, column, computed, enum, field, root, time


def _assistant_id(row: ApiKeyRow) -> str | None:
    return None if row.assistant_id is None else encode_id("Assistant", row.assistant_id)


@strawberry.type(description="An API key as it can be shown again: its prefix, never its secret.")
class ApiKey(Node):
    kind: ApiKeyKind = field(enum("kind", ApiKeyKind), "Secret or publishable.")
    prefix: str = field(column("prefix"), "The key's first characters, to tell keys apart.")
    scopes: list[ApiKeyScope] = field(
        computed(lambda row: sorted(scopes_of(row)), lambda found: [s.value for s in found]),
        "What the key may do.",
    )
    name: str | None = field(column("name"), "A label given at creation.")
    assistant_id: strawberry.ID | None = field(
        computed(_assistant_id), "The assistant of a publishable key; null for a secret key."
    )
    created_at: datetime = field(time("created_at"), "When the key was created.")
    last_used_at: datetime | None = field(
        time("last_used_at"), "Last authenticated request, to the minute."
    )
    revoked_at: datetime | None = field(time("revoked_at"), "When the key was revoked.")

    @classmethod
    def of(cls, row: ApiKeyRow) -> "ApiKey":
        return built(cls, row)


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


async def _api_keys(context: Any) -> list[ApiKeyRow]:
    return await list_api_keys(context.reader().workspace_id)


@strawberry.type
class ApiKeyQueries:
    @strawberry.field(
        description="The workspace's API keys: prefixes, never secrets.", metadata=root(_api_keys)
    )
    async def api_keys(self, info: Info) -> list[ApiKey]:
        return [ApiKey.of(row) for row in await _api_keys(info.context)]


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
