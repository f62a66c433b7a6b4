"""Message types and their connection."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import Conversation as ConversationRow
from models import Message as MessageRow
from resolvers.errors import NotFound
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from resolvers.message import MessagePage, message_cursor
from resolvers.usage import UsageTotals
from schema.common import Node, PageInfo, Usage, answer
from schema.context import Info
from schema.enums import MessageRole

if TYPE_CHECKING:
    from schema.conversation import Conversation


@strawberry.type(description="One message of a conversation.")
class Message(Node):
    sequence: int = strawberry.field(description="1, 2, 3 … within its conversation, no gaps.")
    role: MessageRole = strawberry.field(description="Who wrote it.")
    content: str = strawberry.field(description="The text.")
    created_at: datetime = strawberry.field(description="When it was written.")
    usage: Usage | None = strawberry.field(description="Tokens and cost; set on assistant replies.")
    model: str | None = strawberry.field(description="Model that wrote an assistant reply.")
    provider: str | None = strawberry.field(description="Provider of that model.")
    conversation_pk: strawberry.Private[int]
    own_loaders: strawberry.Private[Loaders | None] = None
    """Set for subscription events: a socket's context outlives any one moment's data."""

    @strawberry.field(description="The conversation this message belongs to.")
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

    @classmethod
    def of(cls, row: MessageRow, loaders: Loaders | None = None) -> "Message":
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
            role=row.role,
            content=row.content,
            created_at=row.created_at,
            usage=usage,
            model=row.model,
            provider=row.provider,
            conversation_pk=row.conversation_id,
            own_loaders=loaders,
        )


@strawberry.type(description="A message and its cursor.")
class MessageEdge:
    cursor: str = strawberry.field(description="Pass as `after`/`before` to page from here.")
    node: Message = strawberry.field(description="The message.")

    @classmethod
    def of(cls, row: MessageRow, loaders: Loaders | None = None) -> "MessageEdge":
        return cls(cursor=message_cursor(row.sequence), node=Message.of(row, loaders))


@strawberry.type(description="A page of a conversation's messages, in sequence order.")
class MessageConnection:
    edges: list[MessageEdge] = strawberry.field(description="The messages of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="Messages in the whole conversation.")

    @classmethod
    def of(
        cls, page: "MessagePage[MessageRow]", total_count: int, loaders: Loaders | None = None
    ) -> "MessageConnection":
        return cls(
            edges=[MessageEdge.of(row, loaders) for row in page.rows],
            page_info=PageInfo.of(page.page_info),
            total_count=total_count,
        )
