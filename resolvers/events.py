"""The one place that writes conversation events.

Call it inside the transaction of the change it describes: the event then exists exactly when the
change does, and live views can rely on the log (issue #4 publishes it).
"""

from collections.abc import Sequence
from datetime import datetime

from models import Conversation, ConversationEvent
from models.enums import EventKind


async def record_event(
    conversation: Conversation, kind: EventKind, at: datetime, message_id: int | None = None
) -> ConversationEvent:
    return await ConversationEvent.create(
        workspace_id=conversation.workspace_id,  # type: ignore[attr-defined]
        conversation_id=conversation.id,
        kind=kind,
        message_id=message_id,
        created_at=at,
    )


async def record_events(
    conversations: Sequence[tuple[int, int]], kind: EventKind, at: datetime
) -> None:
    """The same event for many `(workspace id, conversation id)` pairs, in one statement."""
    if conversations:
        await ConversationEvent.bulk_create(
            [
                ConversationEvent(
                    workspace_id=workspace_id, conversation_id=pk, kind=kind, created_at=at
                )
                for workspace_id, pk in conversations
            ]
        )
