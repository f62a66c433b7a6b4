"""Message types and their connection."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from models import Conversation as ConversationRow
from models import CostChange as CostChangeRow
from resolvers.errors import NotFound
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from resolvers.message import MessagePage, message_cursor
from resolvers.records import MessageRecord
from resolvers.usage import UsageTotals
from schema.common import MessageFeedback, Node, PageInfo, Usage, answer
from schema.context import Info
from schema.enums import MessageRole, PriceSource, Thumb
from schema.policy.visibility import VISITOR

if TYPE_CHECKING:
    from schema.conversation import Conversation


@strawberry.type(description="What a reply was charged at, and where that came from.")
class ReplyPricing:
    source: PriceSource = strawberry.field(description="Given, the price table, or unknown.")
    version: str | None = strawberry.field(
        description='The price table\'s release ("genai-prices 0.2.3"); PRICE_TABLE only, and '
        "null for replies priced before releases were kept."
    )
    input_per_million: Decimal | None = strawberry.field(
        description="USD per million input tokens (null: given, unknown, or tiered prices)."
    )
    cached_input_per_million: Decimal | None = strawberry.field(
        description="USD per million cached input tokens."
    )
    output_per_million: Decimal | None = strawberry.field(
        description="USD per million output tokens."
    )

    @classmethod
    def of(cls, row: MessageRecord | CostChangeRow) -> "ReplyPricing":
        return cls(
            source=PriceSource(row.price_source or PriceSource.UNKNOWN),
            version=row.price_version,
            input_per_million=row.input_price,
            cached_input_per_million=row.cached_input_price,
            output_per_million=row.output_price,
        )


@strawberry.type(
    description="A reply's earlier figures, replaced when `recomputeCosts` repriced it."
)
class CostChange:
    cost: Decimal | None = strawberry.field(description="The cost it had (null: unknown).")
    pricing: ReplyPricing = strawberry.field(description="What it was charged at then.")
    replaced_at: datetime = strawberry.field(description="When it was repriced.")


def _feedback(row: MessageRecord) -> MessageFeedback | None:
    if row.thumb is None or row.thumbed_at is None:
        return None
    key = row.thumbed_by_key_id
    return MessageFeedback(
        rating=Thumb(row.thumb),
        reason=row.thumb_reason,
        rated_at=row.thumbed_at,
        by_key_id=strawberry.ID(encode_id("ApiKey", key)) if key is not None else None,
    )


def _changes(rows: list[CostChangeRow]) -> list[CostChange]:
    return [
        CostChange(cost=row.cost, pricing=ReplyPricing.of(row), replaced_at=row.replaced_at)
        for row in rows
    ]


@strawberry.type(description="One message of a conversation.")
class Message(Node):
    sequence: int = strawberry.field(
        metadata=VISITOR, description="1, 2, 3 … within its conversation, no gaps."
    )
    role: MessageRole = strawberry.field(metadata=VISITOR, description="Who wrote it.")
    content: str = strawberry.field(metadata=VISITOR, description="The text.")
    created_at: datetime = strawberry.field(metadata=VISITOR, description="When it was written.")
    usage: Usage | None = strawberry.field(description="Tokens and cost; set on assistant replies.")
    model: str | None = strawberry.field(description="Model that wrote an assistant reply.")
    provider: str | None = strawberry.field(description="Provider of that model.")
    pricing: ReplyPricing | None = strawberry.field(
        description="What the reply was charged at and where it came from; null for others."
    )
    feedback: MessageFeedback | None = strawberry.field(
        metadata=VISITOR, description="Its rating (thumbs up or down), if a reply was rated."
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

        def found(row: ConversationRow | None) -> Conversation:
            if row is None:
                raise NotFound("Conversation not found.")
            return Conversation.of(row, self.own_loaders)

        loaders = self.own_loaders or info.context.loaders
        return answer(loaders.conversation.get(self.conversation_pk), found)

    @strawberry.field(description="Its earlier figures, oldest first, if it was ever repriced.")
    def cost_history(self, info: Info) -> list[CostChange]:
        loaders = self.own_loaders or info.context.loaders
        return answer(loaders.cost_changes.get(self.pk), _changes)

    @classmethod
    def of(cls, row: MessageRecord, loaders: Loaders | None = None) -> "Message":
        usage = None
        if row.provider is not None:
            usage = Usage.of(
                UsageTotals(
                    input_tokens=row.input_tokens or 0,
                    output_tokens=row.output_tokens or 0,
                    cached_input_tokens=row.cached_input_tokens or 0,
                    cost=row.cost if row.cost is not None else 0,  # type: ignore[arg-type]
                    cost_known=row.cost is not None,
                )
            )
        return cls(
            id=strawberry.ID(encode_id("Message", row.id)),
            sequence=row.sequence,
            role=MessageRole(row.role),
            content=row.content,
            created_at=row.created_at,
            usage=usage,
            model=row.model,
            provider=row.provider,
            pricing=ReplyPricing.of(row) if row.provider is not None else None,
            feedback=_feedback(row),
            pk=row.id,
            conversation_pk=row.conversation_id,
            own_loaders=loaders,
        )


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
