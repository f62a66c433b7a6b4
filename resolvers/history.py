"""Recording a whole conversation at once, with its running totals derived from its messages.

Used to import history and to seed the demo; live traffic arrives message by message through the
write path, which keeps the same totals.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from models import Conversation, Message, Variable
from models.enums import (
    ConversationMode,
    ConversationStatus,
    ConversationType,
    EventKind,
    MessageRole,
    VariableSource,
    VariableType,
)
from resolvers.events import change, record_event
from resolvers.filters import canonical_json
from resolvers.pricing import price_reply


@dataclass(frozen=True)
class ReplyUsage:
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0
    cost: Decimal | None = None
    """Given cost, kept as given; None to price the reply from the model's price."""


@dataclass(frozen=True)
class MessageRecord:
    role: MessageRole
    content: str
    created_at: datetime
    usage: ReplyUsage | None = None


@dataclass(frozen=True)
class VariableRecord:
    name: str
    value: Any
    type: VariableType
    source: VariableSource
    collected_at: datetime


@dataclass(frozen=True)
class Visit:
    session_id: str
    page_url: str | None = None
    user_agent: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class ConversationRecord:
    assistant_id: int
    type: ConversationType
    started_at: datetime
    mode: ConversationMode = ConversationMode.CHAT
    ended_at: datetime | None = None
    visitor: Visit | None = None
    messages: Sequence[MessageRecord] = ()
    variables: Sequence[VariableRecord] = field(default_factory=tuple)


def _message(conversation_id: int, sequence: int, record: MessageRecord) -> Message:
    message = Message(
        conversation_id=conversation_id,
        sequence=sequence,
        role=record.role,
        content=record.content,
        created_at=record.created_at,
    )
    usage = record.usage
    if usage is not None:
        message.provider, message.model = usage.provider, usage.model
        message.input_tokens = usage.input_tokens
        message.output_tokens = usage.output_tokens
        message.cached_input_tokens = usage.cached_input_tokens
        if usage.cost is not None:
            message.cost = usage.cost
        elif (
            priced := price_reply(
                usage.provider,
                usage.model,
                usage.input_tokens,
                usage.output_tokens,
                usage.cached_input_tokens,
                record.created_at,
            )
        ) is not None:
            message.cost = priced.cost
            message.input_price = priced.input_price
            message.output_price = priced.output_price
            message.cached_input_price = priced.cached_input_price
    return message


async def record_conversation(workspace_id: int, record: ConversationRecord) -> Conversation:
    """Stores the conversation, its messages and variables in one transaction."""
    times = [record.started_at, *(m.created_at for m in record.messages)]
    times += [v.collected_at for v in record.variables]
    visitor = record.visitor
    async with change():
        conversation = await Conversation.create(
            workspace_id=workspace_id,
            assistant_id=record.assistant_id,
            type=record.type,
            mode=record.mode,
            status=ConversationStatus.ENDED if record.ended_at else ConversationStatus.ACTIVE,
            started_at=record.started_at,
            last_activity_at=max(times),
            ended_at=record.ended_at,
            visitor_session_id=visitor.session_id if visitor else None,
            visitor_page_url=visitor.page_url if visitor else None,
            visitor_user_agent=visitor.user_agent if visitor else None,
            visitor_locale=visitor.locale if visitor else None,
        )
        messages = [
            _message(conversation.id, sequence, item)
            for sequence, item in enumerate(record.messages, start=1)
        ]
        if messages:
            await Message.bulk_create(messages)
        if record.variables:
            await Variable.bulk_create(
                [
                    Variable(
                        conversation_id=conversation.id,
                        name=item.name,
                        source=item.source,
                        type=item.type,
                        value_json=canonical_json(item.value),
                        collected_at=item.collected_at,
                    )
                    for item in record.variables
                ]
            )
        replies = [m for m in messages if m.provider is not None]
        conversation.message_count = len(messages)
        conversation.input_tokens = sum(m.input_tokens or 0 for m in replies)
        conversation.output_tokens = sum(m.output_tokens or 0 for m in replies)
        conversation.cached_input_tokens = sum(m.cached_input_tokens or 0 for m in replies)
        conversation.cost = sum((m.cost for m in replies if m.cost is not None), Decimal(0))
        conversation.unpriced_replies = sum(1 for m in replies if m.cost is None)
        await conversation.save()
        await record_event(conversation, EventKind.STARTED, record.started_at)
        if record.ended_at is not None:
            await record_event(conversation, EventKind.ENDED, record.ended_at)
    return conversation
