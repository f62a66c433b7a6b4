"""The one place that writes conversation events, and announces them once committed.

Writes that produce events run in `change()`, a transaction that knows its events. On SQLite,
which has one writer at a time, each event takes the next number of its workspace as it is
written. On PostgreSQL a writer inserts its events unnumbered and commits without touching
anything other writers share; the sequencer (resolvers/events/sequencer.py) then numbers them,
in the order they were written, and announces them to every process; the writer waits for that
run, so a change that returned has numbered events. Either way a workspace's numbers become
visible in order, and this process's commit listeners hear of them. Notices carry numbers only;
listeners read the rows.

A change may also ask for a NOTIFY once it commits (`notify_at_commit`): the sequencer's run
sends it, so no writer's transaction queues a notice.
"""

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models import Conversation, Event
from models.enums import EventKind
from resolvers.database.sql import Params, dialect, fetch
from resolvers.events.sequencer import Sequencer, sequencer_of_loop
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
"""Called with (workspace id, last event number) once events are committed and numbered."""


@dataclass
class _Pending:
    """What one change announces once it commits."""

    numbered: list[tuple[int, int]] = field(default_factory=list)
    """SQLite's: (workspace id, last number) of the events it wrote."""
    unnumbered: bool = False
    """PostgreSQL's: it wrote events for the sequencer to number."""
    channels: set[str] = field(default_factory=set)
    """NOTIFY channels to tell once it commits (PostgreSQL)."""


_pending: ContextVar[_Pending | None] = ContextVar("parley_events", default=None)
_listeners: list[CommitListener] = []


def add_commit_listener(listener: CommitListener) -> Callable[[], None]:
    """Hear of every committed change of this process; returns the call that stops it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def _announce(numbered: Sequence[tuple[int, int]]) -> None:
    for workspace_id, seq in numbered:
        for listener in list(_listeners):
            listener(workspace_id, seq)


def sequencer() -> Sequencer:
    """This loop's sequencer (PostgreSQL), which tells this process's commit listeners."""
    return sequencer_of_loop(_announce, CHANNEL)


@asynccontextmanager
async def change() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction whose events are announced once it commits (a nested one joins its outer)."""
    if _pending.get() is not None:
        async with in_transaction() as connection:
            yield connection
        return
    pending = _Pending()
    token = _pending.set(pending)
    try:
        async with in_transaction() as connection:
            yield connection
    finally:
        _pending.reset(token)
    if pending.unnumbered or pending.channels:
        await sequencer().numbered(pending.channels)
    _announce(pending.numbered)


def _current() -> _Pending:
    """The change being written; events are recorded only inside one."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("events are recorded inside resolvers.events.log.change()")
    return pending


async def notify_at_commit(channel: str) -> None:
    """NOTIFY `channel` (PostgreSQL) once the current change commits, or now outside one."""
    pending = _pending.get()
    if pending is not None:
        pending.channels.add(channel)
    else:
        await fetch(f"SELECT pg_notify('{channel}', '')", Params("postgres"))


async def record_event(
    conversation: Conversation, kind: EventKind, at: datetime, message_id: int | None = None
) -> None:
    await _record(
        [(conversation.workspace_id, conversation.id, message_id)],
        kind,
        at,
    )


def message_added_sql(
    params: Params, workspace_id: int, conversation_id: int, at: datetime, written: str
) -> str:
    """PostgreSQL: the MESSAGE_ADDED event of the message a statement inserts (its CTE
    `written`, which returns the new row's `id`; none when it inserted nothing), as one more CTE
    of that statement, so the message and its event cost one round trip."""
    _current().unnumbered = True
    return (
        "INSERT INTO conversation_event "
        "(workspace_id, conversation_id, message_id, kind, created_at) "
        f"SELECT {params.add(workspace_id)}, {params.add(conversation_id)}, id, "
        f"{params.add(EventKind.MESSAGE_ADDED)}, {params.add(at)} FROM {written}"
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
    pending = _current()
    if not items:
        return
    if dialect() == "postgres":
        await _unnumbered(items, kind, at)
        pending.unnumbered = True
        return
    by_workspace: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for workspace_id, conversation_id, message_id in items:
        by_workspace[workspace_id].append((conversation_id, message_id))
    pending.numbered += [
        await _numbered_in_steps(workspace_id, by_workspace[workspace_id], kind, at)
        for workspace_id in sorted(by_workspace)
    ]


async def _unnumbered(
    items: Sequence[tuple[int, int, int | None]], kind: EventKind, at: datetime
) -> None:
    """PostgreSQL: the events in one statement, for the sequencer to number after the commit;
    their ids keep the order they were given in."""
    params = Params("postgres")
    workspaces = params.add([w for w, _, _ in items])
    conversations = params.add([c for _, c, _ in items])
    messages = params.add([m for _, _, m in items])
    await fetch(
        "INSERT INTO conversation_event "
        "(workspace_id, conversation_id, message_id, kind, created_at) "
        f"SELECT e.workspace_id, e.conversation_id, e.message_id, {params.add(kind)}, "
        f"{params.add(at)} FROM unnest({workspaces}::bigint[], {conversations}::bigint[], "
        f"{messages}::bigint[]) WITH ORDINALITY AS e(workspace_id, conversation_id, message_id, "
        "position) ORDER BY e.position",
        params,
    )


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
    await Event.bulk_create(
        [
            Event(
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
