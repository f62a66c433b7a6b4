"""Streamed replies as the database keeps them: opened, checkpointed, finished or abandoned.

A reply's text travels live from process to process while it is written (subscriptions/replies.py);
the database sees it only when it is opened, at checkpoints (at most one every
`CHECKPOINT_SECONDS` while it streams) and when it ends, so a reply costs a bounded number of
writes however many pieces it arrives in. Opening writes its message at once (STREAMING, with the
next sequence number: the visitor's messages sent meanwhile follow it) and finishing writes its
text, usage and cost in one transaction with the conversation's totals; a reply whose engine went
quiet is abandoned by the sweeper (INCOMPLETE, with the text of its latest checkpoint).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Subquery

from models import Conversation, Message
from models.enums import ConversationStatus, EventKind, MessageRole, MessageState
from models.message import MAX_CLIENT_MESSAGE_ID
from resolvers.callers.caller import Caller
from resolvers.conversation import assistant_may_answer, locked_conversation
from resolvers.database.sql import Params, dialect, fetch
from resolvers.errors import Conflict, NotFound
from resolvers.events.log import change, record_event, record_message_events
from resolvers.forms import Problem, raise_problems
from resolvers.functioncalls import FunctionCall, call_problems, stored
from resolvers.limits.bounds import Bounds
from resolvers.usage import (
    USAGE_TOTALS,
    ReplyUsage,
    add_reply_usage,
    add_to_totals,
    apply_usage,
    usage_problems,
)

Also = Callable[[Message], Awaitable[None]]
"""What a writer records with a reply in the transaction that opens or ends it (the built-in
engine's turn, linked to its reply or ended with it)."""

CHECKPOINT_SECONDS = 2.0
"""How often a streaming reply's text is written down while a process that watches it has
fallen behind its pieces (it was not listening) and asked for it: what it reads to catch up."""


def checkpoint_seconds(bounds: Bounds, wanted: bool) -> float:
    """How often a streaming reply's text is written down: every `CHECKPOINT_SECONDS` while a
    process asks for it, otherwise every half of the quiet-reply timeout, so a reply still
    streaming never looks quiet to a sweeper that heard none of its pieces (its last checkpoint
    is at most half the timeout old). An abandoned reply keeps the text the processes heard
    (`add_held_source`), the checkpoint only where none did. Half, not less: a reply of 100 s
    costs its opening, three checkpoints and its end."""
    if wanted:
        return CHECKPOINT_SECONDS
    return max(CHECKPOINT_SECONDS, bounds.reply_timeout_seconds / 2)


Held = Callable[[int], tuple[str, float] | None]
"""What a process heard of a streaming reply: its text, and how many seconds ago the last piece
came; None when it holds none of it."""
_held_sources: list[Held] = []


def add_held_source(source: Held) -> Callable[[], None]:
    """Lets the replies that end here keep what `source` (a process's reply board) heard of
    them, and the sweeper not take one for quiet while pieces come; returns the call that
    stops it."""
    _held_sources.append(source)
    return lambda: _held_sources.remove(source)


def _heard(message_id: int) -> tuple[str, float] | None:
    found = [held for source in _held_sources if (held := source(message_id)) is not None]
    if not found:
        return None
    return max((text for text, _ in found), key=len), min(quiet for _, quiet in found)


@dataclass(frozen=True)
class OpenRequest:
    conversation_id: int
    client_message_id: str


def _now() -> datetime:
    return datetime.now(UTC)


async def open_reply(
    caller: Caller, request: OpenRequest, also: Also | None = None
) -> tuple[Message, Conversation]:
    """Opens a reply (an ASSISTANT message, STREAMING, empty), or returns the one already opened
    with this `clientMessageId` (a retry); `also` is written in the same transaction."""
    caller.require_writer()
    if not 1 <= len(request.client_message_id) <= MAX_CLIENT_MESSAGE_ID:
        raise_problems(
            [Problem("clientMessageId", f"needs 1 to {MAX_CLIENT_MESSAGE_ID} characters")],
            "The reply is invalid",
        )
    now = _now()
    async with change():
        conversation = await locked_conversation(caller.workspace_id, request.conversation_id)
        sent = await Message.get_or_none(
            conversation_id=conversation.id, client_message_id=request.client_message_id
        )
        if sent is not None:
            if sent.role is not MessageRole.ASSISTANT:
                raise Conflict("This clientMessageId was already used for a different message.")
            if also is not None:
                await also(sent)
            return sent, conversation
        if conversation.status is ConversationStatus.ENDED:
            raise Conflict("This conversation has ended: start a new one.")
        assistant_may_answer(conversation)
        message = Message(
            conversation_id=conversation.id,
            sequence=conversation.message_count + 1,
            role=MessageRole.ASSISTANT,
            content="",
            created_at=now,
            client_message_id=request.client_message_id,
            state=MessageState.STREAMING,
            streamed_at=now,
        )
        add_to_totals(conversation, message)
        conversation.last_activity_at = now
        await message.save()  # its clientMessageId was looked up under the conversation's lock
        await conversation.save(update_fields=["message_count", "last_activity_at"])
        if also is not None:
            await also(message)
        await record_event(conversation, EventKind.REPLY_STARTED, now, message.id)
    return message, conversation


async def reply_of(workspace_id: int, message_id: int) -> Message:
    """A reply of this workspace; NOT_FOUND for another's, as for a missing one."""
    found = await Message.get_or_none(id=message_id, conversation__workspace_id=workspace_id)
    if found is None or found.role is not MessageRole.ASSISTANT:
        raise NotFound("Reply not found.")
    return found


async def streaming_replies(conversation_id: int) -> list[Message]:
    """The conversation's replies streaming now, in sequence order."""
    return await Message.filter(
        conversation_id=conversation_id, state=MessageState.STREAMING
    ).order_by("sequence")


async def checkpoint_reply(message_id: int, text: str) -> None:
    """Writes down what a streaming reply holds so far (never shorter than what is written, and
    never once it has ended: the conditions make a late or repeated checkpoint change nothing)."""
    params = Params(dialect())
    length = "char_length" if params.dialect == "postgres" else "length"
    await fetch(
        f"UPDATE message SET content = {params.add(text)}, streamed_at = {params.add(_now())} "
        f"WHERE id = {params.add(message_id)} "
        f"AND state = {params.add(MessageState.STREAMING)} "
        f"AND {length}(content) < {params.add(len(text))}",
        params,
    )


@dataclass(frozen=True)
class FinishRequest:
    message_id: int
    text: str
    """The reply's whole text."""
    state: MessageState = MessageState.COMPLETE
    usage: ReplyUsage | None = None
    first_token_at: datetime | None = None
    function_calls: Sequence[FunctionCall] = ()
    """The functions the model called while writing it."""


def _milliseconds(since: datetime, until: datetime) -> int:
    return max(round((until - since).total_seconds() * 1000), 0)


async def finish_reply(
    caller: Caller, request: FinishRequest, bounds: Bounds, also: Also | None = None
) -> tuple[Message, Conversation]:
    """Finishes (COMPLETE) or abandons (INCOMPLETE) a streaming reply: its text, usage, exact
    cost and timings in one transaction with its conversation's totals (and `also`). Finishing
    it again the same way returns it as it is (a retry); anything else that finds it ended is a
    CONFLICT."""
    caller.require_writer()
    problems: list[Problem] = []
    if len(request.text) > bounds.max_message_length:
        problems.append(Problem("content", f"needs at most {bounds.max_message_length} characters"))
    if request.usage is not None:
        problems += usage_problems(request.usage)
    problems += call_problems(request.function_calls)
    raise_problems(problems, "The reply is invalid")
    now = _now()
    async with change():
        conversation = await _reply_conversation(caller.workspace_id, request.message_id)
        message = await Message.get(id=request.message_id)  # as it is under the lock
        if message.role is not MessageRole.ASSISTANT:
            raise NotFound("Reply not found.")
        if message.state is not MessageState.STREAMING:
            if message.state is request.state and message.content.startswith(request.text):
                if also is not None:
                    await also(message)
                return message, conversation
            raise Conflict(f"This reply has ended already ({message.state.value}).")
        text = request.text
        if len(message.content) > len(text) and message.content.startswith(text):
            text = message.content  # its checkpoint holds more: nothing written is lost
        if request.state is MessageState.COMPLETE and not text.strip():
            raise_problems(
                [Problem("content", "a finished reply needs text")], "The reply is invalid"
            )
        message.content, message.state, message.streamed_at = text, request.state, now
        message.function_calls = stored(request.function_calls)
        apply_usage(message, request.usage, now)
        add_reply_usage(conversation, message)
        if request.first_token_at is not None:
            message.first_token_ms = _milliseconds(message.created_at, request.first_token_at)
        message.generation_ms = _milliseconds(message.created_at, now)
        conversation.last_activity_at = now
        await message.save()
        await conversation.save(update_fields=[*USAGE_TOTALS, "last_activity_at"])
        if also is not None:
            await also(message)
        await record_event(conversation, EventKind.REPLY_FINISHED, now, message.id)
    return message, conversation


async def _reply_conversation(workspace_id: int, message_id: int) -> Conversation:
    """The conversation of a message of this workspace, its row locked as `locked_conversation`
    locks it (one statement); NOT_FOUND for another workspace's message, as for a missing one."""
    owner = Message.filter(id=message_id).values("conversation_id")
    found = (
        await Conversation.select_for_update()
        .filter(id__in=Subquery(owner), workspace_id=workspace_id)
        .first()
    )
    if found is None:
        raise NotFound("Reply not found.")
    return found


async def abandon_quiet_replies(
    quiet_for: timedelta, now: datetime | None = None, conversation_ids: Sequence[int] = ()
) -> list[int]:
    """Abandons every reply streaming with no checkpoint for longer than `quiet_for` and no
    piece heard for that long (its engine died or hung), or every streaming reply of
    `conversation_ids` (they ended): INCOMPLETE, with the text heard of them or of their latest
    checkpoint, each once (the UPDATE takes STREAMING rows only)."""
    now = now or _now()
    if conversation_ids:
        return await end_streaming(MessageState.INCOMPLETE, now, conversation_ids=conversation_ids)
    if not _held_sources:
        return await end_streaming(MessageState.INCOMPLETE, now, quiet_since=now - quiet_for)
    params = Params(dialect())
    rows = await fetch(
        f"SELECT id FROM message WHERE state = {params.add(MessageState.STREAMING)} "
        f"AND streamed_at < {params.add(now - quiet_for)}",
        params,
    )
    quiet = [
        pk
        for row in rows
        if (held := _heard(pk := int(row["id"]))) is None or held[1] >= quiet_for.total_seconds()
    ]
    if not quiet:
        return []
    return await end_streaming(MessageState.INCOMPLETE, now, message_ids=quiet)


async def end_streaming(
    state: MessageState,
    now: datetime,
    *,
    conversation_ids: Sequence[int] = (),
    message_ids: Sequence[int] = (),
    quiet_since: datetime | None = None,
) -> list[int]:
    """Ends the streaming replies of `conversation_ids`, or those of `message_ids`, or those with
    no checkpoint since `quiet_since`, as `state` with the text of their latest checkpoint or
    the longer text this process heard of them, each once (the UPDATE takes STREAMING rows
    only); their REPLY_FINISHED events are written with them. Returns their ids."""
    params = Params(dialect())  # placeholders in textual order: SQLite's are positional
    sql = (
        f"UPDATE message SET state = {params.add(state)} "
        "WHERE id IN (SELECT m.id FROM message m "
        f"WHERE m.state = {params.add(MessageState.STREAMING)} AND "
    )
    if conversation_ids:
        sql += f"m.conversation_id IN {params.add_all(conversation_ids)}) "
    elif message_ids:
        sql += f"m.id IN {params.add_all(message_ids)}) "
    elif quiet_since is not None:
        sql += f"m.streamed_at < {params.add(quiet_since)}) "
    else:
        return []
    async with change() as connection:
        rows = await fetch(sql + "RETURNING id, conversation_id", params, using=connection)
        if not rows:
            return []
        for row in rows:
            if (held := _heard(int(row["id"]))) is not None:
                await _keep_text(int(row["id"]), held[0], connection)
        ids = sorted({int(row["conversation_id"]) for row in rows})
        owners = Params(dialect())
        workspaces = {
            int(row["id"]): int(row["workspace_id"])
            for row in await fetch(
                f"SELECT id, workspace_id FROM conversation WHERE id IN {owners.add_all(ids)}",
                owners,
                using=connection,
            )
        }
        ended = [
            (workspaces[int(row["conversation_id"])], int(row["conversation_id"]), int(row["id"]))
            for row in rows
        ]
        await record_message_events(ended, EventKind.REPLY_FINISHED, now)
    return sorted(message_id for _, _, message_id in ended)


async def _keep_text(message_id: int, text: str, connection: BaseDBAsyncClient) -> None:
    """The text heard of a reply that has just ended, where its checkpoint holds less."""
    params = Params(dialect())
    length = "char_length" if params.dialect == "postgres" else "length"
    await fetch(
        f"UPDATE message SET content = {params.add(text)} WHERE id = {params.add(message_id)} "
        f"AND {length}(content) < {params.add(len(text))}",
        params,
        using=connection,
    )


def check_append(offset: int, text: str, bounds: Bounds) -> None:
    """What an append may be, before anything is looked up."""
    problems = []
    if offset < 0:
        problems.append(Problem("offset", "must not be negative"))
    if not text:
        problems.append(Problem("text", "must not be empty"))
    if offset + len(text) > bounds.max_message_length:
        problems.append(
            Problem("text", f"a reply holds at most {bounds.max_message_length} characters")
        )
    if problems:
        raise_problems(problems, "The append is invalid")
