"""The built-in engine's turns as the database keeps them (models/turn.py): queued with the
visitor's message they answer, claimed by exactly one engine process, renewed while the model
writes, ended DONE or FAILED, and asked for again after a failure.

A claim is one statement: the oldest WAITING turn of a conversation with none RUNNING, taken with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite serves one process), and the partial unique index
of migration 0018 refuses a second RUNNING turn of one conversation outright: two engines that
race for a conversation's turns cannot both win. A RUNNING turn whose lease ran out (its process
died) is failed by whichever engine looks next, with its reply, so no visitor message is ever
answered twice.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from models import Conversation, Message, Turn
from models.enums import Handling, MessageRole, MessageState, TurnKind, TurnState
from resolvers.callers.caller import Caller
from resolvers.database.sql import Params, dialect, fetch
from resolvers.errors import Conflict, NotFound
from resolvers.events.log import change, notify_at_commit
from resolvers.replies import checkpoint_reply, end_streaming

MAX_ERROR = 500
TURN_CHANNEL = "parley_turns"
"""The PostgreSQL NOTIFY channel that wakes the engines when a turn is queued (at its commit)."""
_queued_here = False
"""A turn was queued in this process since the engine last asked (SQLite's one process)."""


@dataclass(frozen=True)
class Claimed:
    id: int
    conversation_id: int
    workspace_id: int
    answers: int
    attempt: int
    kind: TurnKind = TurnKind.REPLY
    assistant_id: int = 0
    handling: Handling = Handling.ASSISTANT
    """Who handled the conversation when the turn was claimed (a reply only for ASSISTANT)."""


def _now() -> datetime:
    return datetime.now(UTC)


async def queue_turn(conversation: Conversation, message: Message, now: datetime) -> None:
    """A WAITING turn answering `message`, when its conversation's assistant has a model: one
    statement in the sending transaction (nothing more is written for an engine of one's own),
    and a notice to the engines once it commits (`notify_at_commit`). On PostgreSQL the sending
    statement itself carries it (`turn_sql`)."""
    params = Params(dialect())
    if await fetch(turn_sql(params, conversation, message, now), params):
        await turn_queued()


def turn_sql(
    params: Params, conversation: Conversation, message: Message, now: datetime, after: str = ""
) -> str:
    """The insert of `queue_turn`; with `after` (a CTE of the same statement), only if that CTE
    returned a row."""
    written = f" AND EXISTS (SELECT 1 FROM {after})" if after else ""
    return (
        "INSERT INTO turn (conversation_id, answers, attempt, state, created_at) "
        f"SELECT {params.add(conversation.id)}, {params.add(message.sequence)}, 1, "
        f"{params.add(TurnState.WAITING)}, {params.add(now)} FROM assistant "
        f"WHERE id = {params.add(conversation.assistant_id)} AND model IS NOT NULL{written} "
        "RETURNING id"
    )


async def turn_queued() -> None:
    """After a turn was inserted: this process's engine and, once committed, every engine
    hears of it."""
    global _queued_here  # noqa: PLW0603 (one flag per process, read by its engine)
    _queued_here = True
    if dialect() == "postgres":
        await notify_at_commit(TURN_CHANNEL)


async def queue_extractions(conversation_ids: Sequence[int], now: datetime) -> None:
    """A WAITING EXTRACT turn for each of these ended conversations whose assistant has a model
    and declares variables to extract, and where the visitor wrote: one statement in the
    ending transaction. Its `answers` is 0 (no message's sequence): one per conversation."""
    if not conversation_ids:
        return
    params = Params(dialect())
    length = "jsonb_array_length" if params.dialect == "postgres" else "json_array_length"
    rows = await fetch(
        "INSERT INTO turn (conversation_id, kind, answers, attempt, state, created_at) "
        f"SELECT c.id, {params.add(TurnKind.EXTRACT)}, 0, 1, {params.add(TurnState.WAITING)}, "
        f"{params.add(now)} FROM conversation c JOIN assistant a ON a.id = c.assistant_id "
        f"WHERE c.id IN ({', '.join(params.add(pk) for pk in conversation_ids)}) "
        f"AND a.model IS NOT NULL AND {length}(a.extracted_variables) > 0 "
        "AND EXISTS (SELECT 1 FROM message m WHERE m.conversation_id = c.id "
        f"AND m.role = {params.add(MessageRole.USER)}) "
        "ON CONFLICT DO NOTHING RETURNING id",
        params,
    )
    if rows:
        await turn_queued()


def take_queued() -> bool:
    """Whether a turn was queued in this process since the last call."""
    global _queued_here
    queued, _queued_here = _queued_here, False
    return queued


async def claim_turn(worker: str, lease: timedelta) -> Claimed | None:
    """The oldest waiting turn of a conversation with none running, now RUNNING for `worker`
    until the lease ends; None when there is none (or another engine won the race for it)."""
    now = _now()
    params = Params(dialect())
    pick = (
        "SELECT t.id FROM turn t WHERE t.state = {waiting} AND NOT EXISTS "
        "(SELECT 1 FROM turn r WHERE r.conversation_id = t.conversation_id "
        "AND r.state = {running}) ORDER BY t.id LIMIT 1"
    )
    head = (
        f"UPDATE turn SET state = {params.add(TurnState.RUNNING)}, "
        f"claimed_by = {params.add(worker)}, lease_until = {params.add(now + lease)} "
    )
    chosen = pick.format(
        waiting=params.add(TurnState.WAITING), running=params.add(TurnState.RUNNING)
    )
    if params.dialect == "postgres":
        chosen += " FOR UPDATE SKIP LOCKED"
    owner = "(SELECT c.{} FROM conversation c WHERE c.id = turn.conversation_id)"
    sql = (
        f"{head}WHERE id = ({chosen}) AND state = {params.add(TurnState.WAITING)} "
        "RETURNING id, conversation_id, answers, attempt, kind, "
        f"{owner.format('workspace_id')} AS workspace_id, "
        f"{owner.format('assistant_id')} AS assistant_id, "
        f"{owner.format('handling')} AS handling"
    )
    try:
        rows = await fetch(sql, params)
    except IntegrityError:
        return None  # another engine took this conversation's turn a moment ago
    if not rows:
        return None
    row = rows[0]
    return Claimed(
        int(row["id"]),
        int(row["conversation_id"]),
        int(row["workspace_id"]),
        int(row["answers"]),
        int(row["attempt"]),
        TurnKind(row["kind"]),
        int(row["assistant_id"]),
        Handling(row["handling"]),
    )


async def renew_turn(turn_id: int, worker: str, lease: timedelta) -> bool:
    """Extends a running turn's lease; False when it is no longer this worker's (it ran out and
    the turn was failed meanwhile)."""
    params = Params(dialect())
    rows = await fetch(
        f"UPDATE turn SET lease_until = {params.add(_now() + lease)} "
        f"WHERE id = {params.add(turn_id)} AND state = {params.add(TurnState.RUNNING)} "
        f"AND claimed_by = {params.add(worker)} RETURNING id",
        params,
    )
    return bool(rows)


async def turn_reply(turn: Claimed, reply_id: int, last: int) -> None:
    """Links the turn to its reply, and the conversation's waiting turns for messages up to
    sequence `last` are answered by that reply (the visitor wrote several messages before it
    began): they end DONE, and no message gets a reply of its own twice. One statement, written
    in the transaction that opens the reply."""
    params = Params(dialect())
    pk = params.add(turn.id)
    sql = (
        f"UPDATE turn SET reply_id = CASE WHEN id = {pk} THEN {params.add(reply_id)} "
        f"ELSE reply_id END, state = CASE WHEN id = {params.add(turn.id)} THEN state "
        f"ELSE {params.add(TurnState.DONE)} END "
        f"WHERE id = {params.add(turn.id)} "
        f"OR (conversation_id = {params.add(turn.conversation_id)} "
        f"AND kind = {params.add(TurnKind.REPLY)} AND state = {params.add(TurnState.WAITING)} "
        f"AND answers <= {params.add(last)})"
    )
    await fetch(sql, params)


async def end_turn(turn_id: int, worker: str, state: TurnState, error: str | None = None) -> bool:
    """Ends the worker's running turn; whether another turn of its conversation waits (it may
    be claimed now), or True when the turn was not the worker's any more."""
    params = Params(dialect())
    rows = await fetch(
        f"UPDATE turn SET state = {params.add(state)}, "
        f"error = {params.add(None if error is None else error[:MAX_ERROR])}, lease_until = NULL "
        f"WHERE id = {params.add(turn_id)} AND state = {params.add(TurnState.RUNNING)} "
        f"AND claimed_by = {params.add(worker)} RETURNING EXISTS (SELECT 1 FROM turn w "
        f"WHERE w.conversation_id = turn.conversation_id AND w.state = "
        f"{params.add(TurnState.WAITING)}) AS waiting",
        params,
    )
    return not rows or bool(rows[0]["waiting"])


async def expired_replies() -> list[int]:
    """The replies of the RUNNING turns whose lease ran out: what a process that heard their
    pieces may write down before they end (`fail_expired_turns`)."""
    params = Params(dialect())
    rows = await fetch(
        f"SELECT reply_id FROM turn WHERE state = {params.add(TurnState.RUNNING)} "
        f"AND lease_until < {params.add(_now())} AND reply_id IS NOT NULL",
        params,
    )
    return [int(row["reply_id"]) for row in rows]


async def fail_expired_turns(texts: Mapping[int, str] | None = None) -> list[int]:
    """Fails every RUNNING turn whose lease ran out (its process died or hung), and its reply
    if it was streaming (FAILED: the visitor may ask again), keeping the text `texts` holds of
    it where that is more than its checkpoint; returns the turns' ids."""
    now = _now()
    params = Params(dialect())
    async with change():
        rows = await fetch(
            f"UPDATE turn SET state = {params.add(TurnState.FAILED)}, "
            f"error = {params.add('its engine stopped before the reply was finished')} "
            f"WHERE state = {params.add(TurnState.RUNNING)} "
            f"AND lease_until < {params.add(now)} RETURNING id, reply_id",
            params,
        )
        replies = [int(row["reply_id"]) for row in rows if row["reply_id"] is not None]
        for reply in replies:
            if texts and (text := texts.get(reply)):
                await checkpoint_reply(reply, text)
        await end_streaming(MessageState.FAILED, now, message_ids=replies)
    return sorted(int(row["id"]) for row in rows)


async def retry_turn(caller: Caller, reply_id: int) -> None:
    """Asks again for the reply a failed turn left (the visitor's retry, or a builder's): a new
    attempt of that turn, WAITING. CONFLICT unless the reply failed and is its turn's latest."""
    found = await Message.get_or_none(id=reply_id, conversation__workspace_id=caller.workspace_id)
    if found is None or found.role is not MessageRole.ASSISTANT:
        raise NotFound("Reply not found.")
    caller.require_conversation(found.conversation_id, write=True)
    if found.state is not MessageState.FAILED:
        raise Conflict("Only a reply that failed can be asked for again.")
    turn = await Turn.get_or_none(reply_id=reply_id)
    if turn is None:
        raise Conflict("This reply was not written by the built-in engine.")
    try:
        await Turn.create(
            conversation_id=turn.conversation_id,
            answers=turn.answers,
            attempt=turn.attempt + 1,
            state=TurnState.WAITING,
            created_at=_now(),
        )
    except IntegrityError:
        raise Conflict("It was asked for again already.") from None
