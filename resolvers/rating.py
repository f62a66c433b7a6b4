"""Feedback: the visitor's CSAT on a conversation, and thumbs on a reply.

A conversation is rated with its session token (the visitor, after the chat or during it) or a
secret key with WRITE (an import of ratings); rating again replaces the score. A reply is rated
by the visitor or by a secret key (a builder in the Test Chat), and keeps which key it was. Each
rating writes a RATED event in the same transaction, so live views and counts follow.
"""

from datetime import UTC, datetime

from models import Conversation, Message
from models.enums import EventKind, MessageRole, Thumb
from resolvers.callers.caller import Caller, CallerKind
from resolvers.conversation import locked_conversation
from resolvers.errors import BadUserInput, NotFound
from resolvers.events.log import change, record_event

MAX_COMMENT = 2000


def _text(value: str | None, what: str) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_COMMENT:
        raise BadUserInput(f"A {what} holds at most {MAX_COMMENT} characters.")
    return value.strip()


async def rate_conversation(
    caller: Caller, conversation_id: int, score: int, comment: str | None
) -> Conversation:
    caller.require_conversation(conversation_id, write=True)
    if not 1 <= score <= 5:
        raise BadUserInput("A rating is 1 to 5.")
    text = _text(comment, "comment")
    now = datetime.now(UTC)
    async with change():
        conversation = await locked_conversation(caller.workspace_id, conversation_id)
        conversation.rating, conversation.rating_comment = score, text
        conversation.rated_at = now
        await conversation.save(update_fields=["rating", "rating_comment", "rated_at"])
        await record_event(conversation, EventKind.RATED, now)
    return conversation


async def rate_message(
    caller: Caller, message_id: int, thumb: Thumb, reason: str | None
) -> Message:
    message = await Message.get_or_none(id=message_id).only("id", "conversation_id", "role")
    if message is None:
        raise NotFound("Message not found.")
    caller.require_conversation(message.conversation_id, write=True)
    if message.role is not MessageRole.ASSISTANT:
        raise BadUserInput("Only the assistant's replies are rated.")
    text = _text(reason, "reason")
    now = datetime.now(UTC)
    async with change():
        conversation = await locked_conversation(caller.workspace_id, message.conversation_id)
        row = await Message.get(id=message_id)
        row.thumb, row.thumb_reason, row.thumbed_at = thumb, text, now
        row.thumbed_by_key_id = caller.key_id if caller.kind is CallerKind.SECRET else None
        await row.save(update_fields=["thumb", "thumb_reason", "thumbed_at", "thumbed_by_key_id"])
        await record_event(conversation, EventKind.RATED, now, message_id)
    return row
