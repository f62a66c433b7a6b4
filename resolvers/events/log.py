"""The one place that writes conversation events, and announces them once committed.

Writes that produce events run in `change()`, a transaction that knows its events: each event takes
the next number of its workspace (locking the workspace row until commit, so numbers become visible
in order and a live reader never skips one), PostgreSQL is asked to NOTIFY other processes at
commit, and this process's commit listeners hear of it right after. Notices carry numbers only;
listeners read the rows.

Events are the last thing a change writes, and on PostgreSQL numbering, inserting and notifying
are one statement: the workspace row is locked only from that statement to the commit, so writers
of one workspace's many conversations overlap everything else they do.
"""

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import Conversation, ConversationEvent
from models.enums import EventKind
from resolvers.database.sql import Params, dialect, fetch
from resolvers.ids import encode_cursor, parse_sequence_cursor

CHANNEL = "parley_events"
"""The PostgreSQL NOTIFY channel; payloads are "<workspace id>:<last event number>"."""

EVENT_CURSOR = "e"


def event_cursor(seq: int) -> str:
    """The opaque cursor of a workspace's event `seq`: live views and webhooks hand it out, and
    `conversationEvents(after:)` and `redeliverWebhooks(after:)` take it back."""
    return encode_cursor(EVENT_CURSOR, [seq])


def parse_event_cursor(cursor: str) -> int:
    """BAD_USER_INPUT for anything `event_cursor` did not write."""
    return parse_sequence_cursor(cursor, EVENT_CURSOR)


CommitListener = Callable[[int, int], None]
"""Called with (workspace id, last event number) after a change commits."""

_pending: ContextVar[list[tuple[int, int]] | None] = ContextVar("parley_events", default=None)
_listeners: list[CommitListener] = []


def add_commit_listener(listener: CommitListener) -> Callable[[], None]:
    """Hear of every committed change of this process; returns the call that stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


@asynccontextmanager
async def change() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction whose events are announced once it commits (a nested one joins its outer)."""
    if _pending.get() is not None:
        async with in_transaction() as connection:
            yield connection
        return
    pending: list[tuple[int, int]] = []
    token = _pending.set(pending)
    try:
        async with in_transaction() as connection:
            yield connection
    finally:
        _pending.reset(token)
    for workspace_id, seq in pending:
        for listener in list(_listeners):
            listener(workspace_id, seq)


async def record_event(
    conversation: Conversation, kind: EventKind, at: datetime, message_id: int | None = None
) -> None:
    await _record(
        [(conversation.workspace_id, conversation.id, message_id)],
        kind,
        at,
    )


async def record_events(
    conversations: Sequence[tuple[int, int]], kind: EventKind, at: datetime
) -> None:
    """The same event for many `(workspace id, conversation id)` pairs."""
    await _record([(workspace_id, pk, None) for workspace_id, pk in conversations], kind, at)


async def record_message_events(
    items: Sequence[tuple[int, int, int]], kind: EventKind, at: datetime
) -> None:
    """The same event for many `(workspace id, conversation id, message id)`."""
    await _record(items, kind, at)


async def _record(
    items: Sequence[tuple[int, int, int | None]], kind: EventKind, at: datetime
) -> None:
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("events are recorded inside resolvers.events.log.change()")
    if not items:
        return
    by_workspace: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for workspace_id, conversation_id, message_id in items:
        by_workspace[workspace_id].append((conversation_id, message_id))
    if dialect() == "postgres":
        notices = [
            await _numbered(workspace_id, by_workspace[workspace_id], kind, at)
            for workspace_id in sorted(by_workspace)  # one lock order: sweepers cannot deadlock
        ]
    else:
        notices = [
            await _numbered_in_steps(workspace_id, by_workspace[workspace_id], kind, at)
            for workspace_id in sorted(by_workspace)
        ]
    pending += notices


async def _numbered(
    workspace_id: int, events: list[tuple[int, int | None]], kind: EventKind, at: datetime
) -> tuple[int, int]:
    """Numbers, writes and announces the events of one workspace in one statement."""
    params = Params("postgres")
    workspace, count = params.add(workspace_id), params.add(len(events))
    conversations = params.add([conversation_id for conversation_id, _ in events])
    messages = params.add([message_id for _, message_id in events])
    sql = (
        "WITH numbered AS (UPDATE workspace SET event_seq = event_seq + "
        f"{count}::bigint WHERE id = {workspace} RETURNING event_seq), "
        "written AS (INSERT INTO conversation_event "
        "(workspace_id, conversation_id, message_id, kind, seq, created_at) "
        f"SELECT {workspace}, e.conversation_id, e.message_id, {params.add(kind)}, "
        f"numbered.event_seq - {count}::bigint + e.position, {params.add(at)} "
        f"FROM numbered, unnest({conversations}::bigint[], {messages}::bigint[]) "
        "WITH ORDINALITY AS e(conversation_id, message_id, position) RETURNING seq) "
        "SELECT event_seq, pg_notify("
        f"'{CHANNEL}', {workspace}::text || ':' || event_seq::text), "
        "(SELECT count(*) FROM written) AS written FROM numbered"
    )
    rows = await fetch(sql, params)
    return workspace_id, int(rows[0]["event_seq"])


async def _numbered_in_steps(
    workspace_id: int, events: list[tuple[int, int | None]], kind: EventKind, at: datetime
) -> tuple[int, int]:
    """SQLite runs one writer at a time: numbering and writing need not be one statement."""
    params = Params("sqlite")
    rows = await fetch(
        f"UPDATE workspace SET event_seq = event_seq + {params.add(len(events))} "
        f"WHERE id = {params.add(workspace_id)} RETURNING event_seq",
        params,
    )
    last = int(rows[0]["event_seq"])
    await ConversationEvent.bulk_create(
        [
            ConversationEvent(
                workspace_id=workspace_id,
                conversation_id=conversation_id,
                message_id=message_id,
                kind=kind,
                seq=seq,
                created_at=at,
            )
            for seq, (conversation_id, message_id) in enumerate(
                events, start=last - len(events) + 1
            )
        ]
    )
    return workspace_id, last
