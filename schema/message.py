"""Message types and their connection."""

import json
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import CostChange as CostChangeRow
from resolvers.errors import NotFound
from resolvers.listed import ListedConversation, Wanted
from resolvers.loaders import Loaders
from resolvers.message import MessagePage, message_cursor
from resolvers.records import MessageRecord
from resolvers.usage import UsageTotals
from schema.common import MessageFeedback, Node, PageInfo, Usage, answer
from schema.context import Info
from schema.enums import Handover, MessageRole, MessageState, PriceSource
from schema.policy.visibility import VISITOR
from schema.reads import (
    built,
    column,
    computed,
    enum,
    field,
    money,
    nested,
    reference,
    time,
)

if TYPE_CHECKING:
    from schema.conversation import Conversation


@strawberry.type(description="What a reply was charged at, and where that came from.")
class ReplyPricing:
    """Read from the reply's row (or a cost change's)."""

    source: PriceSource = field(
        enum("price_source", PriceSource, PriceSource.UNKNOWN),
        "Given, the price table, or unknown.",
    )
    version: str | None = field(
        column("price_version"),
        'The price table\'s release ("genai-prices 0.2.3"); PRICE_TABLE only, and '
        "null for replies priced before releases were kept.",
    )
    input_per_million: Decimal | None = field(
        money("input_price"),
        "USD per million input tokens (null: given, unknown, or tiered prices).",
    )
    cached_input_per_million: Decimal | None = field(
        money("cached_input_price"), "USD per million cached input tokens."
    )
    output_per_million: Decimal | None = field(
        money("output_price"), "USD per million output tokens."
    )

    @classmethod
    def of(cls, row: MessageRecord | CostChangeRow) -> "ReplyPricing":
        return built(cls, row)


@strawberry.type(
    description="A reply's earlier figures, replaced when `recomputeCosts` repriced it."
)
class CostChange:
    cost: Decimal | None = strawberry.field(description="The cost it had (null: unknown).")
    pricing: ReplyPricing = strawberry.field(description="What it was charged at then.")
    replaced_at: datetime = strawberry.field(description="When it was repriced.")


def message_usage(row: MessageRecord) -> UsageTotals | None:
    """A reply's usage (a message without a provider has none)."""
    if row.provider is None:
        return None
    return UsageTotals(
        input_tokens=row.input_tokens or 0,
        output_tokens=row.output_tokens or 0,
        cached_input_tokens=row.cached_input_tokens or 0,
        cost=row.cost if row.cost is not None else Decimal(0),
        cost_known=row.cost is not None,
    )


@strawberry.type(description="A function the model called while writing a reply.")
class FunctionCall:
    """Read from the reply's list of them, JSON objects."""

    name: str = field(computed(lambda data: data["name"]), "The function's name.")
    arguments: str = field(
        computed(lambda data: data["arguments"]), "The arguments the model gave, as JSON text."
    )
    result: str = field(
        computed(lambda data: data["result"]), "What the model was told it answered."
    )


@strawberry.type(description="The agent who wrote a message, or whom a HANDOVER names.")
class MessageAgent:
    """Read from the message's row: the name it had when the message was written."""

    id: strawberry.ID = field(reference("agent_id", "Agent"), "The agent.")
    name: str = field(column("agent_name"), "Their name, as the visitor saw it.", visitor=True)


def _function_calls(row: MessageRecord) -> list[dict[str, Any]]:
    return json.loads(row.function_calls) if row.function_calls else []


def _priced(row: MessageRecord) -> MessageRecord | None:
    return row if row.provider is not None else None


def _rated(row: MessageRecord) -> MessageRecord | None:
    return row if row.thumb is not None and row.thumbed_at is not None else None


def _changes(rows: list[CostChangeRow]) -> list[CostChange]:
    return [
        CostChange(cost=row.cost, pricing=ReplyPricing.of(row), replaced_at=row.replaced_at)
        for row in rows
    ]


@strawberry.type(description="One message of a conversation.")
class Message(Node):
    sequence: int = field(
        column("sequence"), "1, 2, 3 … within its conversation, no gaps.", visitor=True
    )
    role: MessageRole = field(enum("role", MessageRole), "Who wrote it.", visitor=True)
    content: str = field(
        column("content"),
        "The text (of a STREAMING reply: as of its latest checkpoint).",
        visitor=True,
    )
    state: MessageState = field(
        enum("state", MessageState),
        "COMPLETE, or for a streamed reply STREAMING until it is finished (INCOMPLETE if "
        "it was abandoned).",
        visitor=True,
    )
    created_at: datetime = field(time("created_at"), "When it was written.", visitor=True)
    usage: Usage | None = field(
        nested(message_usage, Usage), "Tokens and cost; set on assistant replies."
    )
    model: str | None = field(column("model"), "Model that wrote an assistant reply.")
    provider: str | None = field(column("provider"), "Provider of that model.")
    time_to_first_token_ms: int | None = field(
        column("first_token_ms"), "A streamed reply's time from its opening to its first text."
    )
    generation_ms: int | None = field(
        column("generation_ms"), "A streamed reply's time from its opening to its end."
    )
    agent: MessageAgent | None = field(
        nested(lambda row: row if row.agent_id is not None else None, MessageAgent),
        "An AGENT message's author, or the agent a HANDOVER message names.",
        visitor=True,
    )
    handover: Handover | None = field(
        enum("handover", Handover), "A HANDOVER message's move.", visitor=True
    )
    function_calls: list[FunctionCall] = field(
        nested(_function_calls, FunctionCall, many=True),
        "The functions the model called while writing this reply, in order.",
    )
    pricing: ReplyPricing | None = field(
        nested(_priced, ReplyPricing),
        "What the reply was charged at and where it came from; null for others.",
    )
    feedback: MessageFeedback | None = field(
        nested(_rated, MessageFeedback),
        "Its rating (thumbs up or down), if a reply was rated.",
        visitor=True,
    )
    pk: strawberry.Private[int]
    conversation_pk: strawberry.Private[int]
    own_loaders: strawberry.Private[Loaders | None] = None
    """Set for subscription events: a socket's context outlives any one moment's data."""

    @strawberry.field(metadata=VISITOR, description="The conversation this message belongs to.")
    def conversation(
        self, info: Info
    ) -> Annotated["Conversation", strawberry.lazy("schema.conversation")]:
        from schema.conversation import Conversation  # noqa: PLC0415 (a cycle by nature)

        def found(row: ListedConversation | None) -> Conversation:
            if row is None:
                raise NotFound("Conversation not found.")
            return Conversation.of(row, self.own_loaders)

        loaders = self.own_loaders or info.context.loaders
        return answer(loaders.listed.get((self.conversation_pk, Wanted())), found)

    @strawberry.field(description="Its earlier figures, oldest first, if it was ever repriced.")
    def cost_history(self, info: Info) -> list[CostChange]:
        loaders = self.own_loaders or info.context.loaders
        return answer(loaders.cost_changes.get(self.pk), _changes)

    @classmethod
    def of(cls, row: MessageRecord, loaders: Loaders | None = None) -> "Message":
        return built(cls, row, pk=row.id, conversation_pk=row.conversation_id, own_loaders=loaders)


@strawberry.type(description="A message and its cursor.")
class MessageEdge:
    cursor: str = strawberry.field(
        metadata=VISITOR, description="Pass as `after`/`before` to page from here."
    )
    node: Message = strawberry.field(metadata=VISITOR, description="The message.")

    @classmethod
    def of(cls, row: MessageRecord, loaders: Loaders | None = None) -> "MessageEdge":
        return cls(cursor=message_cursor(row.sequence), node=Message.of(row, loaders))


@strawberry.type(description="A page of a conversation's messages, in sequence order.")
class MessageConnection:
    edges: list[MessageEdge] = strawberry.field(
        metadata=VISITOR, description="The messages of this page."
    )
    page_info: PageInfo = strawberry.field(metadata=VISITOR, description="Where this page sits.")
    total_count: int = strawberry.field(description="Messages in the whole conversation.")

    @classmethod
    def of(
        cls, page: "MessagePage[Any]", total_count: int, loaders: Loaders | None = None
    ) -> "MessageConnection":
        return cls(
            edges=[MessageEdge.of(row, loaders) for row in page.rows],
            page_info=PageInfo.of(page.page_info),
            total_count=total_count,
        )
