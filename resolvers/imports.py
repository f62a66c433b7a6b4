"""Importing whole conversations with their past, running totals derived from their messages.

`importConversations` brings a platform's history over in batches: each batch in one transaction
(all of it or none), each conversation once per workspace by its external ID (a batch sent again
skips what is there), every reply priced at its own time unless its cost is given, and the
events written as live traffic writes them, so counts and live views agree. The demo seed and the
tests write conversations with a past the same way; live traffic arrives message by message
through resolvers/recording.py, which keeps the same totals.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from models import Assistant, Conversation, Message, Variable
from models.enums import (
    ConversationMode,
    ConversationStatus,
    ConversationType,
    EventKind,
    MessageRole,
    VariableSource,
    VariableType,
)
from resolvers.errors import BadUserInput, NotFound
from resolvers.events.log import change, record_event
from resolvers.filters import canonical_json
from resolvers.limits.bounds import Bounds
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
    external_id: str | None = None


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
            external_id=record.external_id,
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


MAX_BATCH = 100
"""Conversations one importConversations call takes."""
MAX_MESSAGES = 10_000
"""Messages one imported conversation takes."""


@dataclass(frozen=True)
class Imported:
    created: list[Conversation]
    skipped: list[str]
    """External IDs the workspace held already."""


async def import_conversations(
    workspace_id: int, records: Sequence[ConversationRecord], bounds: Bounds
) -> Imported:
    """The batch, all or nothing (BAD_USER_INPUT or NOT_FOUND before anything is written)."""
    _check(records, bounds)
    assistants = {record.assistant_id for record in records}
    found = {row.id for row in await Assistant.filter(workspace_id=workspace_id, id__in=assistants)}
    if missing := assistants - found:
        raise NotFound(f"{len(missing)} of the batch's assistants are not in this workspace.")
    ids = [record.external_id for record in records if record.external_id is not None]
    async with change():
        held = await Conversation.filter(workspace_id=workspace_id, external_id__in=ids)
        skipped = {row.external_id for row in held if row.external_id is not None}
        created = [
            await record_conversation(workspace_id, record)
            for record in records
            if record.external_id not in skipped
        ]
    return Imported(created, [i for i in ids if i in skipped])


def _check(records: Sequence[ConversationRecord], bounds: Bounds) -> None:
    if not 1 <= len(records) <= MAX_BATCH:
        raise BadUserInput(f"Import 1 to {MAX_BATCH} conversations a call.")
    ids = [record.external_id for record in records]
    if any(not i or len(i) > 200 for i in ids):
        raise BadUserInput("Every imported conversation needs an externalId of 1–200 characters.")
    if len(set(ids)) != len(ids):
        raise BadUserInput("An externalId appears twice in the batch.")
    now = datetime.now(UTC)
    for record in records:
        name = f"Conversation {record.external_id!r}"
        if len(record.messages) > MAX_MESSAGES:
            raise BadUserInput(f"{name}: at most {MAX_MESSAGES:,} messages.")
        if len(record.variables) > bounds.max_variables_per_conversation:
            raise BadUserInput(f"{name}: too many variables.")
        said = [message.created_at for message in record.messages]
        start, end = record.started_at, record.ended_at
        if max([start, *said, *([end] if end is not None else [])]) > now:
            raise BadUserInput(f"{name}: its times must not be in the future.")
        if any(t < start for t in said) or (
            end is not None and any(t > end for t in [start, *said])
        ):
            raise BadUserInput(f"{name}: its messages must fall between its start and its end.")
        for message in record.messages:
            if not message.content or len(message.content) > bounds.max_message_length:
                raise BadUserInput(f"{name}: a message is empty or too long.")


__all__ = [
    "ConversationRecord",
    "MessageRecord",
    "ReplyUsage",
    "VariableRecord",
    "Visit",
    "import_conversations",
    "record_conversation",
]
