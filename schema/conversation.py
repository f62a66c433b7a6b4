"""Conversations: the type, its page (connection) and ordering, and the root fields that read
them."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import strawberry

from resolvers import filters
from resolvers.conversation import (
    ConversationOrder,
    count_conversations,
)
from resolvers.errors import NotFound
from resolvers.events.log import event_cursor
from resolvers.ids import decode_id
from resolvers.listed import ListedConversation, ListedVariable, Wanted
from resolvers.listing import list_conversations, read_conversation
from resolvers.loaders import Loaders
from resolvers.pagination import PageArgs
from resolvers.records import ConversationRecord, VariableRecord
from resolvers.usage import conversation_usage
from resolvers.variable import pick_variable
from schema.arguments import After, Before, First, IdArgument, Last
from schema.assistant import Assistant
from schema.common import (
    ConversationRating,
    Label,
    ModelUsage,
    Node,
    PageInfo,
    Usage,
    Visitor,
    answer,
    labels,
)
from schema.context import Info
from schema.enums import (
    ConversationMode,
    ConversationOrderField,
    ConversationStatus,
    ConversationType,
    Handling,
    OrderDirection,
    VariableSource,
)
from schema.filters import ConversationFilter as ConversationFilterInput
from schema.filters import FilterArgument, to_filter
from schema.message import MessageConnection
from schema.policy.visibility import VISITOR
from schema.reads import built, column, computed, enum, field, nested, reference, time
from schema.selection import listed_wanted, message_roles, one_wanted, selects_assistant
from schema.variable import Variable

R = TypeVar("R")
_LABELS = Wanted(labels=True)
_VARIABLES = Wanted(variables=True)
_USAGE_BY_MODEL = Wanted(usage_by_model=True)


def _duration(row: ConversationRecord) -> float:
    until = row.ended_at or datetime.now(UTC)
    return max((until - row.started_at).total_seconds(), 0.0)


def _visitor(row: ConversationRecord) -> ConversationRecord | None:
    return row if row.visitor_session_id is not None else None


def _rating(row: ConversationRecord) -> ConversationRecord | None:
    return row if row.rating is not None and row.rated_at is not None else None


@strawberry.type(
    description="One session between a visitor (or a builder's Test Chat) and an assistant."
)
class Conversation(Node):
    type: ConversationType = field(
        enum("type", ConversationType), "TEST or WEB_WIDGET.", visitor=True
    )
    mode: ConversationMode = field(
        enum("mode", ConversationMode), "Chat, or voice and chat.", visitor=True
    )
    status: ConversationStatus = field(
        enum("status", ConversationStatus), "ACTIVE or ENDED.", visitor=True
    )
    started_at: datetime = field(time("started_at"), "When the session started.", visitor=True)
    last_activity_at: datetime = field(
        time("last_activity_at"), "The latest message or change.", visitor=True
    )
    ended_at: datetime | None = field(time("ended_at"), "When it ended, if it has.", visitor=True)
    duration_seconds: float | None = field(
        computed(_duration), "endedAt (or now, while active) minus startedAt.", visitor=True
    )
    message_count: int = field(column("message_count"), "Messages so far.")
    usage: Usage = field(nested(conversation_usage, Usage), "Totals over the whole conversation.")
    visitor: Visitor | None = field(
        nested(_visitor, Visitor), "The widget visitor; null for TEST.", visitor=True
    )
    external_id: str | None = field(
        column("external_id"),
        "Its ID on the platform it was imported from (importConversations).",
    )
    rating: ConversationRating | None = field(
        nested(_rating, ConversationRating), "The visitor's rating (CSAT), if given.", visitor=True
    )
    handling: Handling = field(
        enum("handling", Handling),
        "Who answers the visitor now: the assistant, nobody while a person is asked for, or a "
        "person.",
        visitor=True,
    )
    assignee_id: strawberry.ID | None = field(
        reference("assignee_id", "Agent"), "The agent it is assigned to (`agents` names them)."
    )
    waiting_since: datetime | None = field(
        time("waiting_since"), "When a person was last asked for (kept once one answers)."
    )
    taken_over_at: datetime | None = field(
        time("taken_over_at"), "When an agent last took it over."
    )
    pk: strawberry.Private[int]
    assistant_pk: strawberry.Private[int]
    own_loaders: strawberry.Private[Loaders | None] = None
    """Set for subscription events: a socket's context outlives any one moment's data."""
    listed: strawberry.Private[ListedConversation | None] = None
    """The set-wise reader's row, with the relations its query asked for read along."""

    def loaders(self, info: Info) -> Loaders:
        return self.own_loaders or info.context.loaders

    def _along(
        self, info: Info, wanted: Wanted, part: Callable[[ListedConversation], R | None]
    ) -> R | Awaitable[R]:
        """`part` of this conversation as the set-wise reader reads it along with the row: from
        the row itself when its query asked for it, else read for this row (with the other rows
        of the request or event that ask the same, in one statement)."""
        if self.listed is not None:
            found = part(self.listed)
            if found is not None:
                return found

        def of(row: ListedConversation | None) -> R:
            found = None if row is None else part(row)
            if found is None:
                raise NotFound("Conversation not found.")
            return found

        return answer(self.loaders(info).listed.get((self.pk, wanted)), of)

    @strawberry.field(description="Its labels, by name.")
    def labels(self, info: Info) -> list[Label]:
        return answer(self._along(info, _LABELS, lambda row: row.labels), labels)

    @strawberry.field(description="The assistant that handled it.")
    def assistant(self, info: Info) -> Assistant:
        return answer(self.loaders(info).assistant.get(self.assistant_pk), Assistant.found)

    @strawberry.field(
        metadata=VISITOR, description="Its messages in sequence order, 20 per page unless asked."
    )
    def messages(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> MessageConnection:
        args = PageArgs(first=first, after=after, last=last, before=before)
        wanted = Wanted(message_pages=(args,), message_roles=message_roles(info))
        page = self._along(
            info,
            wanted,
            lambda row: None if row.message_pages is None else row.message_pages.get(args),
        )
        return answer(
            page, lambda found: MessageConnection.of(found, self.message_count, self.own_loaders)
        )

    def _variables(self, info: Info) -> list[ListedVariable] | Awaitable[list[ListedVariable]]:
        return self._along(info, _VARIABLES, lambda row: row.variables)

    @strawberry.field(
        metadata=VISITOR, description="Its variables by name, from one source or both."
    )
    def variables(
        self,
        info: Info,
        source: Annotated[
            VariableSource | None, strawberry.argument(description="Only this source.")
        ] = None,
    ) -> list[Variable]:
        sources = info.context.caller().variable_sources
        return answer(
            self._variables(info),
            lambda rows: [
                Variable.of(row, self.own_loaders)
                for row in rows
                if (source is None or row.source == source)
                and (sources is None or row.source in sources)
            ],
        )

    @strawberry.field(
        metadata=VISITOR,
        description="One variable by name: the latest collected (extracted wins a tie).",
    )
    def variable(
        self, info: Info, name: Annotated[str, strawberry.argument(description="Variable name.")]
    ) -> Variable | None:
        sources = info.context.caller().variable_sources

        def pick(rows: Sequence[VariableRecord]) -> Variable | None:
            visible = rows if sources is None else [row for row in rows if row.source in sources]
            row = pick_variable(visible, name)
            return Variable.of(row, self.own_loaders) if row is not None else None

        return answer(self._variables(info), pick)

    @strawberry.field(description="Usage per provider and model, ordered by provider and model.")
    def usage_by_model(self, info: Info) -> list[ModelUsage]:
        return answer(
            self._along(info, _USAGE_BY_MODEL, lambda row: row.usage_by_model),
            lambda rows: [ModelUsage.of(row) for row in rows],
        )

    @classmethod
    def of(cls, row: ConversationRecord, loaders: Loaders | None = None) -> "Conversation":
        """From a listed row (its relations read along) or a model (relations loaded)."""
        return built(
            cls,
            row,
            pk=row.id,
            assistant_pk=row.assistant_id,
            own_loaders=loaders,
            listed=row if isinstance(row, ListedConversation) else None,
        )


@strawberry.type(description="A conversation and its cursor.")
class ConversationEdge:
    cursor: str = strawberry.field(description="Pass as `after`/`before` with the same orderBy.")
    node: Conversation = strawberry.field(description="The conversation.")


@strawberry.type(description="A page of conversations.")
class ConversationConnection:
    edges: list[ConversationEdge] = strawberry.field(description="The conversations of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    event_cursor: str | None = strawberry.field(
        description="The last event this page reflects: follow the list live from exactly here "
        "with `conversationEvents(filter, after: eventCursor)`, missing nothing (null when not "
        "asked for)."
    )
    workspace_pk: strawberry.Private[int]
    where: strawberry.Private[filters.ConversationFilter]

    total: strawberry.Private[int | None] = None
    """Read with the page when the query asked for it."""

    @strawberry.field(description="Conversations matching the filter, on all pages.")
    async def total_count(self) -> int:
        if self.total is not None:
            return self.total
        return await count_conversations(self.workspace_pk, self.where)

    @classmethod
    async def load(
        cls,
        info: Info,
        workspace_pk: int,
        where: filters.ConversationFilter,
        order: ConversationOrder,
        args: PageArgs,
    ) -> "ConversationConnection":
        """A page with every relation its query selects, its total and its event cursor, read
        in one statement by the set-wise reader the compiled plans use (one snapshot: the page
        reflects exactly the events up to its cursor); the assistants, when asked, in one more."""
        listing = await list_conversations(workspace_pk, where, order, args, listed_wanted(info))
        if selects_assistant(info):  # primed: the rows' assistants answer at once
            ids = sorted({row.assistant_id for row in listing.rows})
            await info.context.loaders.assistant.load_many(ids)
        return cls(
            edges=[
                ConversationEdge(cursor=listing.window.cursor(row), node=Conversation.of(row))
                for row in listing.rows
            ],
            page_info=PageInfo.of(listing.page_info),
            event_cursor=(
                event_cursor(listing.event_seq) if listing.event_seq is not None else None
            ),
            workspace_pk=workspace_pk,
            where=where,
            total=listing.total,
        )


@strawberry.input(
    name="ConversationOrder",
    description="How to sort conversations; ties are broken by ID, consistently.",
)
class ConversationOrderInput:
    field: ConversationOrderField = strawberry.field(description="What to sort by.")
    direction: OrderDirection = strawberry.field(description="Ascending or descending.")

    def to_order(self) -> ConversationOrder:
        return ConversationOrder(field=self.field, descending=self.direction is OrderDirection.DESC)


def list_arguments(
    filter: ConversationFilterInput | None = None,
    order_by: ConversationOrderInput | None = None,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> tuple[filters.ConversationFilter, ConversationOrder, PageArgs]:
    """What a list's arguments ask for; the compiled plans read them the same way."""
    where = to_filter(filter)
    order = order_by.to_order() if order_by is not None else ConversationOrder()
    return where, order, PageArgs(first=first, after=after, last=last, before=before)


def count_arguments(filter: ConversationFilterInput | None = None) -> filters.ConversationFilter:
    return to_filter(filter)


@strawberry.type
class ConversationQueries:
    @strawberry.field(
        metadata=VISITOR,
        description="One conversation; NOT_FOUND if it is not in your workspace. A session token "
        "reads its own conversation only.",
    )
    async def conversation(self, info: Info, id: IdArgument) -> Conversation | None:
        caller = info.context.caller()
        pk = decode_id(id, "Conversation")
        caller.require_conversation(pk, write=False)
        return Conversation.of(await read_conversation(caller.workspace_id, pk, one_wanted(info)))

    @strawberry.field(
        description="Conversations, newest first unless `orderBy` says otherwise; 20 per page "
        "unless asked (1–100)."
    )
    async def conversations(
        self,
        info: Info,
        filter: FilterArgument = None,
        order_by: Annotated[
            ConversationOrderInput | None,
            strawberry.argument(description="Sort order; default STARTED_AT DESC."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ConversationConnection:
        workspace_pk = info.context.reader().workspace_id
        where, order, args = list_arguments(filter, order_by, first, after, last, before)
        return await ConversationConnection.load(info, workspace_pk, where, order, args)

    @strawberry.field(description="How many conversations match: the navigation badge.")
    async def conversation_count(self, info: Info, filter: FilterArgument = None) -> int:
        workspace_id = info.context.reader().workspace_id
        return await count_conversations(workspace_id, count_arguments(filter))
