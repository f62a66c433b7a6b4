"""Session tokens: the widget's credential for the one conversation it started.

Like API keys they are 256 random bits stored only as a SHA-256; unlike them they expire.
"""

import secrets
from datetime import UTC, datetime, timedelta

from models import Conversation, ConversationSession
from resolvers.apikey import hash_secret
from resolvers.callers.caller import Caller, CallerKind
from resolvers.errors import Unauthenticated

PREFIX = "st_"


async def create_session(conversation_id: int, ttl_seconds: int, now: datetime) -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    await ConversationSession.create(
        conversation_id=conversation_id,
        token_hash=hash_secret(token),
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    return token


async def authenticate_session(token: str) -> Caller:
    session = await ConversationSession.get_or_none(
        token_hash=hash_secret(token), expires_at__gt=datetime.now(UTC)
    ).select_related("conversation")
    if session is None:
        raise Unauthenticated("Invalid or expired session token: start a new conversation.")
    conversation: Conversation = session.conversation
    return Caller(
        workspace_id=conversation.workspace_id,
        kind=CallerKind.SESSION,
        assistant_id=conversation.assistant_id,
        conversation_id=conversation.id,
        expires_at=session.expires_at,
    )
