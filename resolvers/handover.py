"""Who handles a conversation, and the moves between: its assistant answers until a person is
asked for (WAITING: by the visitor, or by the assistant's engine), an agent takes it over (AGENT)
whenever it likes, from any state, and hands it back to the assistant (ASSISTANT); an agent or a
supervisor assigns it to an agent, or unassigns it, at any time.

Each move is one transaction under the conversation's lock: the new state, a HANDOVER message
that shows the move in the transcript (the visitor's too: "Ada joined", "The assistant is
back"), and its events (the move's own, for webhooks and live views, and MESSAGE_ADDED for the
message). A move to where the conversation already is changes nothing and writes nothing.

While a person is asked for or handles it, the assistant does not answer: no turn is queued for
the built-in engine, the waiting ones are dropped, a reply being streamed at that moment ends
INCOMPLETE, and a reply recorded after it is refused (CONFLICT with `reason: AI_DISABLED`, as
resolvers/conversation.py `assistant_may_answer`).
"""

from datetime import UTC, datetime

from models import Agent, Conversation, Message, Turn
from models.enums import (
    ConversationStatus,
    EventKind,
    Handling,
    Handover,
    MessageRole,
    MessageState,
    TurnState,
)
from resolvers.callers.caller import Caller
from resolvers.conversation import locked_conversation
from resolvers.errors import Conflict, NotFound
from resolvers.events.log import change, record_event
from resolvers.recording import append_message
from resolvers.replies import end_streaming


def _now() -> datetime:
    return datetime.now(UTC)


async def _open(caller: Caller, conversation_id: int) -> Conversation:
    conversation = await locked_conversation(caller.workspace_id, conversation_id)
    if conversation.status is ConversationStatus.ENDED:
        raise Conflict("This conversation has ended.")
    return conversation


async def _silence_assistant(conversation: Conversation, now: datetime) -> None:
    """The assistant stops: its waiting turns are dropped and a reply it is writing ends."""
    await Turn.filter(conversation_id=conversation.id, state=TurnState.WAITING).update(
        state=TurnState.DONE
    )
    await end_streaming(MessageState.INCOMPLETE, now, conversation_ids=[conversation.id])


async def _note(
    conversation: Conversation,
    move: Handover,
    text: str,
    now: datetime,
    agent: Agent | None = None,
) -> Message:
    """The HANDOVER message that shows the move in the transcript."""
    message = Message(
        conversation_id=conversation.id,
        sequence=conversation.message_count + 1,
        role=MessageRole.HANDOVER,
        content=text,
        created_at=now,
        handover=move,
        agent_id=agent.id if agent else None,
        agent_name=agent.name if agent else None,
    )
    conversation.last_activity_at = now
    await append_message(conversation, message, now)
    return message


async def request_person(caller: Caller, conversation_id: int) -> Conversation:
    """The visitor (its session token) or the assistant's engine (a secret key with WRITE) asks
    for a person: WAITING, from the assistant only (a person asked for or there stays so)."""
    caller.require_conversation(conversation_id, write=True)
    now = _now()
    async with change():
        conversation = await _open(caller, conversation_id)
        if conversation.handling is not Handling.ASSISTANT:
            return conversation
        conversation.handling, conversation.waiting_since = Handling.WAITING, now
        await conversation.save(update_fields=["handling", "waiting_since"])
        await _silence_assistant(conversation, now)
        who = "The visitor" if caller.conversation_id is not None else "The assistant"
        await _note(conversation, Handover.REQUESTED, f"{who} asked for a person.", now)
        await record_event(conversation, EventKind.HANDOVER_REQUESTED, now)
    return conversation


async def _agent(workspace_id: int, agent_id: int) -> Agent:
    agent = await Agent.get_or_none(id=agent_id, workspace_id=workspace_id, archived_at=None)
    if agent is None:
        raise NotFound("Agent not found.")
    return agent


async def take_over(caller: Caller, conversation_id: int) -> Conversation:
    """The calling agent takes the conversation, from any state, and it is assigned to them."""
    agent = await _agent(caller.workspace_id, caller.require_agent())
    now = _now()
    async with change():
        conversation = await _open(caller, conversation_id)
        if conversation.handling is Handling.AGENT and conversation.assignee_id == agent.id:
            return conversation
        conversation.handling, conversation.taken_over_at = Handling.AGENT, now
        conversation.assignee_id = agent.id
        await conversation.save(update_fields=["handling", "taken_over_at", "assignee_id"])
        await _silence_assistant(conversation, now)
        await _note(conversation, Handover.TAKEN_OVER, f"{agent.name} joined.", now, agent)
        await record_event(conversation, EventKind.TAKEN_OVER, now)
    return conversation


async def hand_back(caller: Caller, conversation_id: int) -> Conversation:
    """Back to the assistant (an agent, or a supervisor's secret key with WRITE); it stays
    assigned to whom it was, for the record of who last handled it."""
    caller.require_handler()
    now = _now()
    async with change():
        conversation = await _open(caller, conversation_id)
        if conversation.handling is Handling.ASSISTANT:
            return conversation
        conversation.handling = Handling.ASSISTANT
        await conversation.save(update_fields=["handling"])
        await _note(conversation, Handover.HANDED_BACK, "The assistant is back.", now)
        await record_event(conversation, EventKind.HANDED_BACK, now)
    return conversation


async def assign(caller: Caller, conversation_id: int, agent_id: int | None) -> Conversation:
    """Assigns it to an agent (None: to nobody), whoever handles it; an event, no message."""
    caller.require_handler()
    if agent_id is not None:
        await _agent(caller.workspace_id, agent_id)
    now = _now()
    async with change():
        conversation = await _open(caller, conversation_id)
        if conversation.assignee_id == agent_id:
            return conversation
        conversation.assignee_id = agent_id
        await conversation.save(update_fields=["assignee_id"])
        await record_event(conversation, EventKind.ASSIGNED, now)
    return conversation
