"""Conversation types, the list's connection, and the filter and ordering inputs."""

from collections.abc import Coroutine
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar, cast

import strawberry

from models import Assistant as AssistantRow
from models import Conversation as ConversationRow
from models import Variable as VariableRow
from resolvers import conversations, filters
from resolvers.conversations import ConversationOrder, ConversationPage, count_conversations
from resolvers.errors import NotFound
from resolvers.ids import decode_id, encode_id
from resolvers.loaders import Loaders
from resolvers.pagination import PageArgs
from resolvers.usage import conversation_usage
from resolvers.variables import pick_variable
from schema.assistant import Assistant
from schema.common import ModelUsage, PageInfo, Usage, Visitor
from schema.enums import (
    ConversationMode,
    ConversationOrderField,
    ConversationStatus,
    ConversationType,
    OrderDirection,
    VariableSource,
)
from schema.message import MessageConnection
from schema.node import Node
from schema.prefetch import Related
from schema.scalars import JSON
from schema.variable import Variable
from server.context import Context

Info = strawberry.Info[Context, None]

First = Annotated[int | None, strawberry.argument(description="Page size from the start, 1–100.")]
After = Annotated[str | None, strawberry.argument(description="Start after this cursor.")]
Last = Annotated[int | None, strawberry.argument(description="Page size from the end, 1–100.")]
Before = Annotated[str | None, strawberry.argument(description="End before this cursor.")]


R = TypeVar("R")


def awaited(later: Coroutine[Any, Any, R]) -> R:
    """A resolver's result that graphql-core will await: strawberry needs the plain type in the
    annotation, and a sync resolver that usually answers at once may sometimes have to load."""
    return cast("R", later)


def _found(row: AssistantRow | None) -> Assistant:
    if row is None:
        raise NotFound("Assistant not found.")
    return Assistant.of(row)


def _variables(rows: list[VariableRow], source: VariableSource | None) -> list[Variable]:
    return [Variable.of(row) for row in rows if source is None or row.source == source]


def _variable(rows: list[VariableRow], name: str) -> Variable | None:
    row = pick_variable(rows, name)
    return Variable.of(row) if row is not None else None


@strawberry.type(
    description="One session between a visitor (or a builder's Test Chat) and an assistant."
)
class Conversation(Node):
    type: ConversationType = strawberry.field(description="TEST or WEB_WIDGET.")
    mode: ConversationMode = strawberry.field(description="Chat, or voice and chat.")
    status: ConversationStatus = strawberry.field(description="ACTIVE or ENDED.")
    started_at: datetime = strawberry.field(description="When the session started.")
    last_activity_at: datetime = strawberry.field(description="The latest message or change.")
    ended_at: datetime | None = strawberry.field(description="When it ended, if it has.")
    duration_seconds: float | None = strawberry.field(
        description="endedAt (or now, while active) minus startedAt."
    )
    message_count: int = strawberry.field(description="Messages so far.")
    usage: Usage = strawberry.field(description="Totals over the whole conversation.")
    visitor: Visitor | None = strawberry.field(description="The widget visitor; null for TEST.")
    pk: strawberry.Private[int]
    assistant_pk: strawberry.Private[int]
    own_loaders: strawberry.Private[Loaders | None] = None
    """Set for subscription events: a socket's context outlives any one moment's data."""
    related: strawberry.Private[Related | None] = None
    """Set for listed rows: their page's relations, fetched set-wise beforehand."""

    def loaders(self, info: Info) -> Loaders:
        return self.own_loaders or info.context.loaders

    @strawberry.field(description="The assistant that handled it.")
    def assistant(self, info: Info) -> Assistant:
        if self.related is not None and self.related.assistants is not None:
            return _found(self.related.assistants.get(self.assistant_pk))
        return awaited(self._load_assistant(info))

    async def _load_assistant(self, info: Info) -> Assistant:
        return _found(await self.loaders(info).assistant.load(self.assistant_pk))

    @strawberry.field(description="Its messages in sequence order, 20 per page unless asked.")
    def messages(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> MessageConnection:
        args = PageArgs(first=first, after=after, last=last, before=before)
        pages = self.related.messages.get(args) if self.related is not None else None
        if pages is not None:
            return MessageConnection.of(pages[self.pk], self.message_count, self.own_loaders)
        return awaited(self._load_messages(info, args))

    async def _load_messages(self, info: Info, args: PageArgs) -> MessageConnection:
        page = await self.loaders(info).message_page.load((self.pk, self.message_count, args))
        return MessageConnection.of(page, self.message_count, self.own_loaders)

    @strawberry.field(description="Its variables by name, from one source or both.")
    def variables(
        self,
        info: Info,
        source: Annotated[
            VariableSource | None, strawberry.argument(description="Only this source.")
        ] = None,
    ) -> list[Variable]:
        if self.related is not None and self.related.variables is not None:
            return _variables(self.related.variables[self.pk], source)
        return awaited(self._load_variables(info, source))

    async def _load_variables(self, info: Info, source: VariableSource | None) -> list[Variable]:
        return _variables(await self.loaders(info).variables.load(self.pk), source)

    @strawberry.field(
        description="One variable by name: the latest collected (extracted wins a tie)."
    )
    def variable(
        self, info: Info, name: Annotated[str, strawberry.argument(description="Variable name.")]
    ) -> Variable | None:
        if self.related is not None and self.related.variables is not None:
            return _variable(self.related.variables[self.pk], name)
        return awaited(self._load_variable(info, name))

    async def _load_variable(self, info: Info, name: str) -> Variable | None:
        return _variable(await self.loaders(info).variables.load(self.pk), name)

    @strawberry.field(description="Usage per provider and model, ordered by provider and model.")
    def usage_by_model(self, info: Info) -> list[ModelUsage]:
        if self.related is not None and self.related.usage is not None:
            return [ModelUsage.of(row) for row in self.related.usage[self.pk]]
        return awaited(self._load_usage_by_model(info))

    async def _load_usage_by_model(self, info: Info) -> list[ModelUsage]:
        return [ModelUsage.of(row) for row in await self.loaders(info).usage_by_model.load(self.pk)]

    @classmethod
    def of(
        cls,
        row: ConversationRow,
        loaders: Loaders | None = None,
        related: Related | None = None,
    ) -> "Conversation":
        until = row.ended_at or datetime.now(UTC)
        visitor = None
        if row.visitor_session_id is not None:
            visitor = Visitor(
                session_id=row.visitor_session_id,
                page_url=row.visitor_page_url,
                user_agent=row.visitor_user_agent,
                locale=row.visitor_locale,
            )
        return cls(
            id=strawberry.ID(encode_id("Conversation", row.id)),
            type=row.type,
            mode=row.mode,
            status=row.status,
            started_at=row.started_at,
            last_activity_at=row.last_activity_at,
            ended_at=row.ended_at,
            duration_seconds=max((until - row.started_at).total_seconds(), 0.0),
            message_count=row.message_count,
            usage=Usage.of(conversation_usage(row)),
            visitor=visitor,
            pk=row.id,
            assistant_pk=row.assistant_id,  # type: ignore[attr-defined]
            own_loaders=loaders,
            related=related,
        )


@strawberry.type(description="A conversation and its cursor.")
class ConversationEdge:
    cursor: str = strawberry.field(description="Pass as `after`/`before` with the same orderBy.")
    node: Conversation = strawberry.field(description="The conversation.")


@strawberry.type(description="A page of conversations.")
class ConversationConnection:
    edges: list[ConversationEdge] = strawberry.field(description="The conversations of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    workspace_pk: strawberry.Private[int]
    where: strawberry.Private[filters.ConversationFilter]

    @strawberry.field(description="Conversations matching the filter, on all pages.")
    async def total_count(self) -> int:
        return await count_conversations(self.workspace_pk, self.where)

    @classmethod
    def of(
        cls,
        page: ConversationPage,
        workspace_pk: int,
        where: filters.ConversationFilter,
        related: Related | None = None,
    ) -> "ConversationConnection":
        return cls(
            edges=[
                ConversationEdge(cursor=cursor, node=Conversation.of(row, related=related))
                for row, cursor in zip(page.rows, page.cursors, strict=True)
            ],
            page_info=PageInfo.of(page.page_info),
            workspace_pk=workspace_pk,
            where=where,
        )


@strawberry.input(description="A condition on a conversation's variables (either source).")
class VariableCondition:
    name: str = strawberry.field(description="Variable name.")
    equals: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Has this exact value (null matches a null value)."
    )
    exists: bool | None = strawberry.field(
        default=None,
        description="true: has the variable; false: has not. With neither field: true.",
    )


@strawberry.input(
    description="Conversations for which all given conditions hold. The list, the count and the "
    "live views all use the same filter, so a badge always agrees with its list."
)
class ConversationFilter:
    types: list[ConversationType] | None = strawberry.field(
        default=None, description="Any of these types."
    )
    statuses: list[ConversationStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    assistant_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Handled by any of these assistants."
    )
    started_after: datetime | None = strawberry.field(
        default=None, description="Started at or after this time."
    )
    started_before: datetime | None = strawberry.field(
        default=None, description="Started before this time."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words that must all appear in one message (case-insensitive, whole words).",
    )
    variables: list[VariableCondition] | None = strawberry.field(
        default=None, description="Conditions on variables, all of which must hold."
    )
    min_cost: Decimal | None = strawberry.field(default=None, description="Total cost ≥ this.")
    max_cost: Decimal | None = strawberry.field(default=None, description="Total cost ≤ this.")

    def to_filter(self) -> filters.ConversationFilter:
        return filters.ConversationFilter(
            types=tuple(self.types) if self.types is not None else None,
            statuses=tuple(self.statuses) if self.statuses is not None else None,
            assistant_ids=(
                tuple(decode_id(value, "Assistant") for value in self.assistant_ids)
                if self.assistant_ids is not None
                else None
            ),
            started_after=self.started_after,
            started_before=self.started_before,
            search=self.search,
            variables=tuple(
                filters.VariableCondition(
                    name=condition.name,
                    equals_json=(
                        None
                        if condition.equals is strawberry.UNSET
                        else filters.canonical_json(condition.equals)
                    ),
                    exists=condition.exists,
                )
                for condition in self.variables or ()
            ),
            min_cost=self.min_cost,
            max_cost=self.max_cost,
        )


def to_filter(where: ConversationFilter | None) -> filters.ConversationFilter:
    return where.to_filter() if where is not None else filters.ConversationFilter()


@strawberry.input(
    name="ConversationOrder",
    description="How to sort conversations; ties are broken by ID, consistently.",
)
class ConversationOrderInput:
    field: ConversationOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(description="Ascending or descending.")

    def to_order(self) -> ConversationOrder:
        return conversations.ConversationOrder(
            field=self.field, descending=self.direction is OrderDirection.DESC
        )
