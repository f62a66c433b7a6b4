"""Importing whole conversations with their past, running totals derived from their messages.

Used by the demo seed and the tests to write conversations with a past; live traffic arrives
message by message through resolvers/recording.py, which keeps the same totals.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
from resolvers.event import change, record_event
from resolvers.filters import canonical_json
from resolvers.usage import ReplyUsage, add_to_totals, apply_usage
from resolvers.visitor import Visit, visitor_fields


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
    apply_usage(message, record.usage, record.created_at)
    return message


async def record_conversation(workspace_id: int, record: ConversationRecord) -> Conversation:
    """Stores the conversation, its messages and variables in one transaction."""
    times = [record.started_at, *(m.created_at for m in record.messages)]
    times += [v.collected_at for v in record.variables]
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
            **visitor_fields(record.visitor),
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
        for message in messages:
            add_to_totals(conversation, message)
        await conversation.save()
        await record_event(conversation, EventKind.STARTED, record.started_at)
        if record.ended_at is not None:
            await record_event(conversation, EventKind.ENDED, record.ended_at)
    return conversation


__all__ = [
    "ConversationRecord",
    "MessageRecord",
    "ReplyUsage",
    "VariableRecord",
    "Visit",
    "record_conversation",
]
