"""The write path: starting conversations, adding messages and variables, ending them.

Each function is one transaction that checks everything before it writes, so a refused call leaves
nothing behind. Writes to one conversation hold its row lock (`SELECT … FOR UPDATE` on PostgreSQL;
SQLite runs one write transaction at a time), which is what keeps sequences gap-free and totals
equal to the sum of their messages under concurrent writers.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from models import Agent, Assistant, Conversation, Message, Variable, VariableChange
from models.enums import (
    ConversationMode,
    ConversationStatus,
    ConversationType,
    EventKind,
    Handling,
    MessageRole,
    VariableSource,
)
from models.message import MAX_CLIENT_MESSAGE_ID
from resolvers.callers.caller import Caller, CallerKind
from resolvers.conversation import assistant_may_answer, locked_conversation
from resolvers.database.sql import Params, dialect, fetch
from resolvers.errors import BadUserInput, Conflict, Forbidden, NotFound
from resolvers.events.log import change, message_added_sql, record_event
from resolvers.filters import canonical_json
from resolvers.forms import FieldRule, Problem, check_pre_chat, check_value, raise_problems
from resolvers.functioncalls import FunctionCall, call_problems, stored
from resolvers.limits.bounds import Bounds
from resolvers.placeholders import fill
from resolvers.replies import abandon_quiet_replies
from resolvers.session import create_session
from resolvers.turns import queue_extractions, queue_turn, turn_queued, turn_sql
from resolvers.usage import (
    USAGE_TOTALS,
    ReplyUsage,
    add_to_totals,
    apply_usage,
    usage_problems,
)
from resolvers.visitor import Visit, visitor_fields


@dataclass(frozen=True)
class StartRequest:
    assistant_id: int
    type: ConversationType | None = None
    mode: ConversationMode | None = None
    pre_chat: Sequence[tuple[str, Any]] = ()
    visitor: Visit | None = None


@dataclass(frozen=True)
class SendRequest:
    conversation_id: int
    client_message_id: str
    content: str
    role: MessageRole | None = None
    usage: ReplyUsage | None = None
    function_calls: Sequence[FunctionCall] = ()


def _now() -> datetime:
    return datetime.now(UTC)


_TOTALS = ("message_count", *USAGE_TOTALS, "last_activity_at")
"""What a new message changes on its conversation."""


async def insert_message(
    message: Message, conversation: Conversation, at: datetime, answered: bool = False
) -> bool:
    """Writes the message, its conversation's new totals and its MESSAGE_ADDED event (at `at`),
    and, when `answered`, queues the built-in engine's turn to answer it (`queue_turn`); False,
    writing nothing, when a message with its `clientMessageId` is there already (a retry that
    committed first).

    On PostgreSQL one statement: a data-modifying CTE whose INSERT skips a taken
    `clientMessageId` (the conversation's row lock is held, so no other insert of it is in
    flight) and whose UPDATE and event run only if the INSERT did, values converted by the
    models' own fields. SQLite, one writer at a time, looked the retry up first and saves
    through the ORM."""
    if dialect() != "postgres":
        await message.save()
        await conversation.save(update_fields=list(_TOTALS))
        await record_event(conversation, EventKind.MESSAGE_ADDED, at, message.id)
        if answered:
            await queue_turn(conversation, message, at)
        return True
    params = Params("postgres")
    columns, values = [], []
    for name, column in Message._meta.fields_db_projection.items():  # conversation_id included
        if name != "id":
            field = Message._meta.fields_map[name]
            columns.append(column)
            values.append(params.add(field.to_db_value(getattr(message, name), message)))
    fields, projection = Conversation._meta.fields_map, Conversation._meta.fields_db_projection
    totals = [
        f"{projection[name]} = "
        + params.add(fields[name].to_db_value(getattr(conversation, name), conversation))
        for name in _TOTALS
    ]
    ctes = [
        f"written AS (INSERT INTO message ({', '.join(columns)}) VALUES ({', '.join(values)}) "
        "ON CONFLICT (conversation_id, client_message_id) DO NOTHING RETURNING id)",
        f"totals AS (UPDATE conversation SET {', '.join(totals)} "
        f"WHERE id = {params.add(conversation.id)} AND EXISTS (SELECT 1 FROM written))",
        "event AS ("
        + message_added_sql(params, conversation.workspace_id, conversation.id, at, "written")
        + ")",
    ]
    turns = ""
    if answered:
        ctes.append(f"turn AS ({turn_sql(params, conversation, message, at, 'written')})")
        turns = ", (SELECT count(*) FROM turn) AS turns"
    rows = await fetch(f"WITH {', '.join(ctes)} SELECT id{turns} FROM written", params)
    if not rows:
        return False
    if answered and rows[0]["turns"]:
        await turn_queued()
    message.id = rows[0]["id"]
    message._saved_in_db = True
    return True


async def append_message(conversation: Conversation, message: Message, at: datetime) -> bool:
    """Writes a message Parley adds itself (a handover's note, an extraction's) after the
    conversation's others: counted into its totals, with its MESSAGE_ADDED event, under the
    caller's lock. False, writing nothing, when its `clientMessageId` was written already."""
    add_to_totals(conversation, message)
    return await insert_message(message, conversation, at)


async def _sent_before(
    conversation: Conversation, role: MessageRole, request: "SendRequest"
) -> Message | None:
    """The message already sent with this `clientMessageId`; CONFLICT if it says otherwise.

    A statement of its own, after the lock: its snapshot sees a retry that just committed."""
    sent = await Message.get_or_none(
        conversation_id=conversation.id, client_message_id=request.client_message_id
    )
    if sent is not None and not _same_message(sent, role, request):
        raise Conflict(
            "This clientMessageId was already used for a different message.", messageId=sent.id
        )
    return sent


def _check_visitor(visitor: Visit | None) -> None:
    if visitor is None:
        return
    problems = [
        Problem(f"visitor.{name}", f"needs at most {limit} characters")
        for name, value, limit in (
            ("sessionId", visitor.session_id, 200),
            ("pageUrl", visitor.page_url, 2048),
            ("userAgent", visitor.user_agent, 1024),
            ("locale", visitor.locale, 35),
        )
        if value is not None and len(value) > limit
    ]
    if not visitor.session_id.strip():
        problems.append(Problem("visitor.sessionId", "must not be empty"))
    raise_problems(problems, "The visitor is invalid")


def _conversation_type(caller: Caller, request: StartRequest) -> ConversationType:
    if caller.kind is CallerKind.PUBLISHABLE:
        if request.type not in (None, ConversationType.WEB_WIDGET):
            raise Forbidden("A widget key starts WEB_WIDGET conversations only.")
        if request.assistant_id != caller.assistant_id:
            raise Forbidden("This widget key belongs to another assistant.")
        return ConversationType.WEB_WIDGET
    if caller.kind is CallerKind.SESSION:
        raise Forbidden("A session token cannot start conversations.")
    caller.require_writer()
    return request.type or ConversationType.TEST


async def start_conversation(
    caller: Caller, request: StartRequest, origin: str | None, bounds: Bounds
) -> tuple[Conversation, str]:
    """A new conversation and the session token for it."""
    kind = _conversation_type(caller, request)
    assistant = await Assistant.get_or_none(
        id=request.assistant_id, workspace_id=caller.workspace_id
    )
    if assistant is None:
        raise NotFound("Assistant not found.")
    if assistant.archived_at is not None:
        raise BadUserInput("This assistant is archived and cannot start conversations.")
    if (
        caller.kind is CallerKind.PUBLISHABLE
        and assistant.allowed_origins
        and (origin or "").lower() not in assistant.allowed_origins
    ):
        raise Forbidden("This page's origin may not use this widget key.")
    form = [FieldRule.of(item) for item in assistant.pre_chat_form]
    answers = check_pre_chat(form, request.pre_chat, bounds)
    _check_visitor(request.visitor)
    types = {rule.name: rule.type for rule in form}
    now = _now()
    async with change():
        conversation = await Conversation.create(
            workspace_id=caller.workspace_id,
            assistant_id=assistant.id,
            type=kind,
            mode=request.mode or ConversationMode.CHAT,
            started_at=now,
            last_activity_at=now,
            **visitor_fields(request.visitor),
        )
        if answers:
            await Variable.bulk_create(
                [
                    Variable(
                        conversation_id=conversation.id,
                        name=name,
                        source=VariableSource.PRE_CHAT_FORM,
                        type=types[name],
                        value_json=canonical_json(value),
                        collected_at=now,
                        set_by_key_id=caller.key_id,
                        message_sequence=0,
                    )
                    for name, value in answers.items()
                ]
            )
        token = await create_session(conversation.id, bounds.session_ttl_seconds, now)
        await record_event(conversation, EventKind.STARTED, now)
        if greeting := fill(assistant.first_message or "", answers).strip():
            await _first_message(conversation, greeting, now)
    return conversation, token


async def _first_message(conversation: Conversation, text: str, at: datetime) -> None:
    """The assistant's first message, written as the conversation starts."""
    message = Message(
        conversation_id=conversation.id,
        sequence=1,
        role=MessageRole.ASSISTANT,
        content=text,
        created_at=at,
        client_message_id="first-message",
    )
    add_to_totals(conversation, message)
    await message.save()
    await conversation.save(update_fields=["message_count"])
    await record_event(conversation, EventKind.MESSAGE_ADDED, at, message.id)


def _check_message(caller: Caller, request: SendRequest, bounds: Bounds) -> MessageRole:
    role = request.role or MessageRole.USER
    if caller.kind is CallerKind.SESSION:
        caller.require_conversation(request.conversation_id, write=True)
        if role is not MessageRole.USER:
            raise Forbidden("A session token sends USER messages only.")
    elif role is MessageRole.AGENT:
        caller.require_agent()
    elif role is MessageRole.HANDOVER:
        raise Forbidden("HANDOVER messages are written by the handover mutations only.")
    else:
        caller.require_writer()
    problems = []
    if not request.content.strip():
        problems.append(Problem("content", "must not be empty"))
    if len(request.content) > bounds.max_message_length:
        problems.append(Problem("content", f"needs at most {bounds.max_message_length} characters"))
    if not 1 <= len(request.client_message_id) <= MAX_CLIENT_MESSAGE_ID:
        problems.append(
            Problem("clientMessageId", f"needs 1 to {MAX_CLIENT_MESSAGE_ID} characters")
        )
    if request.usage is not None:
        if role is not MessageRole.ASSISTANT:
            problems.append(Problem("usage", "belongs to ASSISTANT replies only"))
        problems += usage_problems(request.usage)
    if request.function_calls:
        if role is not MessageRole.ASSISTANT:
            problems.append(Problem("functionCalls", "belong to ASSISTANT replies only"))
        problems += call_problems(request.function_calls)
    raise_problems(problems, "The message is invalid")
    return role


async def _author(caller: Caller, conversation: Conversation, role: MessageRole) -> Agent | None:
    """The agent writing an AGENT message (the conversation must be theirs to handle); for an
    ASSISTANT message, CONFLICT while a person handles it."""
    if role is MessageRole.ASSISTANT:
        assistant_may_answer(conversation)
    if role is not MessageRole.AGENT:
        return None
    agent = await Agent.get_or_none(
        id=caller.require_agent(), workspace_id=caller.workspace_id, archived_at=None
    )
    if agent is None:
        raise Forbidden("This agent is archived.")
    if conversation.handling is not Handling.AGENT:
        raise Conflict("Take the conversation over (takeOver) before writing to the visitor.")
    return agent


def _same_message(message: Message, role: MessageRole, request: SendRequest) -> bool:
    return message.role is role and message.content == request.content


async def send_message(
    caller: Caller, request: SendRequest, bounds: Bounds
) -> tuple[Message, Conversation]:
    """Adds a message, or returns the one already sent with this `clientMessageId`."""
    role = _check_message(caller, request, bounds)
    now = _now()
    async with change():
        conversation = await locked_conversation(caller.workspace_id, request.conversation_id)
        # PostgreSQL finds a retry while writing (see insert_message); SQLite and an ended
        # conversation look first.
        ended = conversation.status is ConversationStatus.ENDED
        if ended or dialect() != "postgres":
            sent = await _sent_before(conversation, role, request)
            if sent is not None:
                return sent, conversation
            if ended:
                raise Conflict("This conversation has ended: start a new one.")
        try:
            agent = await _author(caller, conversation, role)
        except Conflict:
            # A retry of a message sent before the conversation changed hands is answered.
            if (sent := await _sent_before(conversation, role, request)) is not None:
                return sent, conversation
            raise
        message = Message(
            conversation_id=conversation.id,
            sequence=conversation.message_count + 1,
            role=role,
            content=request.content,
            created_at=now,
            client_message_id=request.client_message_id,
            function_calls=stored(request.function_calls),
            agent_id=agent.id if agent else None,
            agent_name=agent.name if agent else None,
        )
        apply_usage(message, request.usage, now)
        try:
            add_to_totals(conversation, message)
        except BadUserInput:
            # Full totals refuse a new message, never the retry of one already counted.
            if (sent := await _sent_before(conversation, role, request)) is not None:
                return sent, await Conversation.get(id=conversation.id)
            raise
        conversation.last_activity_at = now
        # The built-in engine answers a visitor while its assistant handles the conversation.
        answered = role is MessageRole.USER and conversation.handling is Handling.ASSISTANT
        if not await insert_message(message, conversation, now, answered):
            sent = await _sent_before(conversation, role, request)
            assert sent is not None  # insert_message found it, under the same lock
            return sent, await Conversation.get(id=conversation.id)
    return message, conversation


async def set_variables(
    caller: Caller, conversation_id: int, values: Sequence[tuple[str, Any]], bounds: Bounds
) -> Conversation:
    """Sets extracted variables, each with the key that set it and the conversation's latest
    message; setting one again keeps its earlier value in its history."""
    caller.require_writer()
    now = _now()
    async with change():
        conversation = await locked_conversation(caller.workspace_id, conversation_id)
        assistant = await Assistant.get(id=conversation.assistant_id)
        rules = {item["name"]: FieldRule.of(item) for item in assistant.extracted_variables}
        problems, wanted = _check_extracted(rules, values, bounds)
        raise_problems(problems, "The variables are invalid")
        await store_extracted(conversation, rules, wanted, caller.key_id, now, bounds)
        if conversation.status is ConversationStatus.ACTIVE:
            conversation.last_activity_at = now
            await conversation.save(update_fields=["last_activity_at"])
        await record_event(conversation, EventKind.VARIABLES_SET, now)
    return conversation


async def store_extracted(
    conversation: Conversation,
    rules: Mapping[str, FieldRule],
    wanted: Mapping[str, Any],
    key_id: int | None,
    now: datetime,
    bounds: Bounds,
) -> None:
    """Writes checked EXTRACTED values, keeping the values they replace in their history; in
    the caller's transaction, under the conversation's lock."""
    current = {
        row.name: row
        for row in await Variable.filter(
            conversation_id=conversation.id, source=VariableSource.EXTRACTED
        )
    }
    total = await Variable.filter(conversation_id=conversation.id).count()
    added = [name for name in wanted if name not in current]
    if total + len(added) > bounds.max_variables_per_conversation:
        raise BadUserInput(
            f"A conversation holds at most {bounds.max_variables_per_conversation} variables."
        )
    at_message = conversation.message_count
    replaced = [current[name] for name in wanted if name in current]
    # The values they had are kept (history) before they are replaced.
    await VariableChange.bulk_create(
        [
            VariableChange(
                variable_id=row.id,
                value_json=row.value_json,
                collected_at=row.collected_at,
                set_by_key_id=row.set_by_key_id,
                message_sequence=row.message_sequence,
                replaced_at=now,
            )
            for row in replaced
        ]
    )
    for row in replaced:
        row.value_json, row.collected_at = canonical_json(wanted[row.name]), now
        row.set_by_key_id, row.message_sequence = key_id, at_message
        await row.save(
            update_fields=["value_json", "collected_at", "set_by_key_id", "message_sequence"]
        )
    await Variable.bulk_create(
        [
            Variable(
                conversation_id=conversation.id,
                name=name,
                source=VariableSource.EXTRACTED,
                type=rules[name].type,
                value_json=canonical_json(wanted[name]),
                collected_at=now,
                set_by_key_id=key_id,
                message_sequence=at_message,
            )
            for name in added
        ]
    )


def _check_extracted(
    rules: dict[str, FieldRule], values: Sequence[tuple[str, Any]], bounds: Bounds
) -> tuple[list[Problem], dict[str, Any]]:
    problems: list[Problem] = []
    wanted: dict[str, Any] = {}
    if not values:
        problems.append(Problem("variables", "give at least one variable"))
    for name, value in values:
        rule = rules.get(name)
        if name in wanted:
            problems.append(Problem(name, "is given twice"))
        elif rule is None:
            problems.append(Problem(name, "is not declared by the assistant"))
        elif value is None:
            problems.append(Problem(name, "must not be null"))
        elif (why := check_value(rule, value, bounds)) is not None:
            problems.append(Problem(name, why))
        wanted[name] = value
    return problems, wanted


async def end_conversation(caller: Caller, conversation_id: int) -> Conversation:
    """Ends it; ending an ended conversation changes nothing. The visitor's session token, a
    secret key with WRITE, or an agent."""
    if caller.agent_id is not None:
        caller.require_handler()
    else:
        caller.require_conversation(conversation_id, write=True)
    now = _now()
    async with change():
        conversation = await locked_conversation(caller.workspace_id, conversation_id)
        if conversation.status is ConversationStatus.ENDED:
            return conversation
        conversation.status, conversation.ended_at = ConversationStatus.ENDED, now
        await conversation.save(update_fields=["status", "ended_at"])
        # Its streaming replies end with it, their events before its own.
        await abandon_quiet_replies(timedelta(0), now, conversation_ids=[conversation.id])
        await record_event(conversation, EventKind.ENDED, now)
        await queue_extractions([conversation.id], now)  # when the built-in engine answers
    return conversation
