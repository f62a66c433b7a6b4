"""Reading conversations: one by ID (locked, for a write), and counts. Pages are read by the
set-wise reader (resolvers/listing.py)."""

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Conversation
from models.enums import Handling
from resolvers.counts import count_sql
from resolvers.database.replica import fetch_routed
from resolvers.database.sql import Params, dialect, fetch_models
from resolvers.errors import Conflict, NotFound
from resolvers.filters import ConversationFilter
from resolvers.keyset import ConversationOrder, OrderField

__all__ = ["ConversationOrder", "OrderField"]  # their home is resolvers/keyset.py


async def get_conversation(workspace_id: int, conversation_id: int) -> Conversation:
    """A conversation of this workspace; another workspace's answers exactly like a missing one."""
    found = await Conversation.get_or_none(id=conversation_id, workspace_id=workspace_id)
    if found is None:
        raise NotFound("Conversation not found.")
    return found


async def locked_conversation(workspace_id: int, conversation_id: int) -> Conversation:
    """`get_conversation`, its row locked until the caller's transaction ends (every write to a
    conversation takes this lock first, so writes to one conversation queue, never interleave).
    Fixed SQL rather than a query built each time: every write starts here, and building the
    query cost more than running it."""
    params = Params(dialect())
    lock = " FOR UPDATE" if params.dialect == "postgres" else ""  # SQLite: one writer already
    found = await fetch_models(
        Conversation,
        f"SELECT * FROM conversation WHERE id = {params.add(conversation_id)} "
        f"AND workspace_id = {params.add(workspace_id)}{lock}",
        params,
    )
    if not found:
        raise NotFound("Conversation not found.")
    return found[0]


AI_DISABLED = "AI_DISABLED"
"""The `reason` of the CONFLICT an assistant's reply gets while a person handles (the name the
platform's reply API answers with once a person has taken over)."""


def assistant_may_answer(conversation: Conversation) -> None:
    """CONFLICT when a person is asked for or handles the conversation (resolvers/handover.py):
    the assistant's replies are not taken then."""
    if conversation.handling is not Handling.ASSISTANT:
        raise Conflict(
            "A person handles this conversation now: the assistant's reply is not taken.",
            reason=AI_DISABLED,
        )


async def count_conversations(
    workspace_id: int, where: ConversationFilter, *, using: BaseDBAsyncClient | None = None
) -> int:
    """How many conversations the filter matches, exactly as its list holds them.

    A badge's filter (types, statuses, assistants) reads the counts the database keeps in step
    with every write, in constant time; any other filter counts in SQL (resolvers/counts.py).
    `using` runs it on the caller's own connection (a transaction, a request's connection)."""
    params = Params(str(using.capabilities.dialect) if using is not None else dialect())
    rows = await fetch_routed(count_sql(workspace_id, where, params), params, using=using)
    return int(rows[0]["n"])
