"""Records for tests, written through the same functions the service uses."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from models import Assistant, Conversation
from models.enums import (
    ConversationMode,
    ConversationType,
    MessageRole,
    VariableSource,
    VariableType,
)
from resolvers.imports import (
    ConversationRecord,
    MessageRecord,
    ReplyUsage,
    VariableRecord,
    Visit,
    record_conversation,
)
from resolvers.workspace import create_workspace

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """A time `minutes` after T0."""
    return T0 + timedelta(minutes=minutes)


async def workspace(name: str = "Acme") -> tuple[int, str]:
    """A workspace and its read-write secret key."""
    row, secret = await create_workspace(name)
    return row.id, secret


async def assistant(workspace_id: int, name: str = "Support bot", **fields: Any) -> Assistant:
    return await Assistant.create(workspace_id=workspace_id, name=name, **fields)


def reply(
    content: str,
    minute: float,
    *,
    model: str = "gpt-4o",
    provider: str = "openai",
    input_tokens: int = 100,
    output_tokens: int = 50,
    cached_input_tokens: int = 0,
    cost: str | None = None,
) -> MessageRecord:
    return MessageRecord(
        role=MessageRole.ASSISTANT,
        content=content,
        created_at=at(minute),
        usage=ReplyUsage(
            provider=provider,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_input_tokens=cached_input_tokens,
            cost=Decimal(cost) if cost is not None else None,
        ),
    )


def said(content: str, minute: float) -> MessageRecord:
    return MessageRecord(role=MessageRole.USER, content=content, created_at=at(minute))


def variable(
    name: str,
    value: Any,
    *,
    source: VariableSource = VariableSource.PRE_CHAT_FORM,
    type: VariableType = VariableType.TEXT,
    minute: float = 0,
) -> VariableRecord:
    return VariableRecord(name=name, value=value, type=type, source=source, collected_at=at(minute))


async def conversation(
    workspace_id: int,
    assistant_id: int,
    *,
    minute: float = 0,
    type: ConversationType = ConversationType.WEB_WIDGET,
    mode: ConversationMode = ConversationMode.CHAT,
    messages: Sequence[MessageRecord] = (),
    variables: Sequence[VariableRecord] = (),
    ended_minute: float | None = None,
    visitor: Visit | None = None,
) -> Conversation:
    if visitor is None and type is ConversationType.WEB_WIDGET:
        visitor = Visit(session_id=f"visitor-{minute}", page_url="https://shop.example/pricing")
    return await record_conversation(
        workspace_id,
        ConversationRecord(
            assistant_id=assistant_id,
            type=type,
            mode=mode,
            started_at=at(minute),
            ended_at=at(ended_minute) if ended_minute is not None else None,
            visitor=visitor,
            messages=messages,
            variables=variables,
        ),
    )
