"""The one place that writes conversation events, and announces them once committed.

Writes that produce events run in `change()`, a transaction that knows its events: each event takes
the next number of its workspace (locking the workspace row until commit, so numbers become visible
in order and a live reader never skips one), PostgreSQL is asked to NOTIFY other processes at
commit, and this process's commit listeners hear of it right after. Notices carry numbers only;
listeners read the rows.
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
from resolvers.sql import Params, dialect, fetch

CHANNEL = "parley_events"
"""The PostgreSQL NOTIFY channel; payloads are "<workspace id>:<last event number>"."""

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


async def _record(
    items: Sequence[tuple[int, int, int | None]], kind: EventKind, at: datetime
) -> None:
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("events are recorded inside resolvers.event.change()")
    if not items:
        return
    by_workspace: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for workspace_id, conversation_id, message_id in items:
        by_workspace[workspace_id].append((conversation_id, message_id))
    rows, notices = [], []
    for workspace_id in sorted(by_workspace):  # one lock order, so sweepers cannot deadlock
        events = by_workspace[workspace_id]
        last = await _take_numbers(workspace_id, len(events))
        for seq, (conversation_id, message_id) in enumerate(events, start=last - len(events) + 1):
            rows.append(
                ConversationEvent(
                    workspace_id=workspace_id,
                    conversation_id=conversation_id,
                    message_id=message_id,
                    kind=kind,
                    seq=seq,
                    created_at=at,
                )
            )
        notices.append((workspace_id, last))
    await ConversationEvent.bulk_create(rows)
    pending += notices
    if dialect() == "postgres":
        params = Params("postgres")
        calls = ", ".join(
            f"pg_notify('{CHANNEL}', {params.add(f'{workspace_id}:{seq}')})"
            for workspace_id, seq in notices
        )
        await fetch(f"SELECT {calls}", params)


async def _take_numbers(workspace_id: int, count: int) -> int:
    """Reserves `count` event numbers of the workspace; returns the last one."""
    params = Params(dialect())
    rows = await fetch(
        f"UPDATE workspace SET event_seq = event_seq + {params.add(count)} "
        f"WHERE id = {params.add(workspace_id)} RETURNING event_seq",
        params,
    )
    return int(rows[0]["event_seq"])
