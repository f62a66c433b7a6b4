"""The live streams behind the subscriptions: history from storage first, then what arrives.

Each stream starts listening before it reads the backlog, then drops what it has already
delivered by number, so a client that resumes from its last cursor misses nothing and sees
nothing twice, even while others write.
"""

from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from models import Conversation, Message
from models.enums import ConversationStatus, EventKind
from resolvers.database.sql import Params, dialect, fetch_models
from resolvers.filters import ConversationFilter, conversation_where
from subscriptions.feed import EventFeed, EventRow, read_events

PAGE = 200


_MESSAGE_KINDS = {
    EventKind.MESSAGE_ADDED,
    EventKind.REPLY_STARTED,
    EventKind.REPLY_FINISHED,
    EventKind.ENDED,
    EventKind.ERASED,
}


async def message_stream(
    feed: EventFeed,
    workspace_id: int,
    conversation_id: int,
    after: int,
    on_overflow: Callable[[], None] | None = None,
) -> AsyncGenerator[list[Message], None]:
    """Messages with sequence > `after`, old then new; ends after the conversation ends. A
    streamed reply comes when it is opened (STREAMING) and again, final, when it ends.

    New messages come with their events from the feed (read once for every follower of the
    conversation); storage is read again only when one is missing or out of turn."""
    listener = await feed.listen(
        workspace_id,
        lambda row: row.kind in _MESSAGE_KINDS,
        on_overflow,
        conversation_id=conversation_id,
    )
    try:
        # Status first: a conversation seen ENDED has every message committed (sends lock
        # its row and refuse ENDED), so the drain below is then complete.
        ended = await _has_ended(conversation_id)
        last = after
        while rows := await _messages_after(conversation_id, last):
            last = rows[-1].sequence
            yield rows
        while not ended:
            fresh: list[Message] = []
            drain = False
            for row in await listener.next_batch():
                message = row.message
                if row.kind is EventKind.ERASED:
                    return  # gone with everything it held: nothing more to send
                if row.kind is EventKind.ENDED:
                    ended = drain = True  # every message is committed before its end
                    break
                if row.kind is EventKind.REPLY_FINISHED:
                    if message is not None and message.sequence <= last:
                        fresh.append(message)  # final now: sent again, in place of its opening
                    continue  # one not sent yet comes, final, in its turn
                if message is not None and message.sequence <= last:
                    continue  # sent with the history already
                if message is None or message.sequence != last + 1:
                    drain = True  # not read with its event, or one before it is missing
                    break
                fresh.append(message)
                last = message.sequence
            if fresh:
                yield fresh
            while drain and (rows := await _messages_after(conversation_id, last)):
                last = rows[-1].sequence
                yield rows
    finally:
        listener.close()


async def _has_ended(conversation_id: int) -> bool:
    """Apart, so that the stream's frame, which lives as long as its subscription, does not
    keep the conversation's row (1.5 KB per widget) once it has read its status."""
    conversation = await Conversation.get_or_none(id=conversation_id)
    return conversation is None or conversation.status is ConversationStatus.ENDED


async def _messages_after(conversation_id: int, sequence: int) -> list[Message]:
    return (
        await Message.filter(conversation_id=conversation_id, sequence__gt=sequence)
        .order_by("sequence")
        .limit(PAGE)
    )


_CHANGES: Mapping[EventKind, Mapping[str, Any]] = {
    EventKind.ENDED: {"statuses": None},
    EventKind.LABELLED: {"labels_any": None, "labels_all": ()},
    EventKind.RATED: {"min_rating": None, "max_rating": None, "rated": None},
    EventKind.VARIABLES_SET: {"variables": ()},
    EventKind.MESSAGE_ADDED: {"max_cost": None},
    EventKind.REPLY_FINISHED: {"max_cost": None},
    EventKind.HANDOVER_REQUESTED: {"handlings": None},
    EventKind.TAKEN_OVER: {"handlings": None, "assignee_ids": None, "assigned": None},
    EventKind.HANDED_BACK: {"handlings": None},
    EventKind.ASSIGNED: {"assignee_ids": None, "assigned": None},
}
"""What each kind of event can change of a conversation, as the filter conditions that may stop
holding because of it (a cost only grows, so only a maximum can; a message never unmatches a
search)."""


@dataclass(frozen=True)
class Happening:
    """An event and its conversation as it is now (None once ERASED); `left`: the event made it
    stop matching the stream's filter (an ENDED event under a status filter says so itself)."""

    event: EventRow
    conversation: Conversation | None
    left: bool = False


async def event_stream(
    feed: EventFeed,
    workspace_id: int,
    where: ConversationFilter | None,
    after: int | None,
    on_overflow: Callable[[], None] | None = None,
) -> AsyncGenerator[list[Happening], None]:
    """Events of conversations matching `where`, numbered after `after` (or from now on); with
    `where` None, the workspace's erasures instead (an erased conversation matches nothing: what
    it held is gone)."""
    listener = await feed.listen(workspace_id, on_overflow=on_overflow)
    try:
        last = listener.start if after is None else after
        while batch := await read_events(workspace_id, last):
            last = batch[-1].seq
            if found := await _found(workspace_id, where, batch):
                yield found
        while True:
            batch = [row for row in await listener.next_batch() if row.seq > last]
            if batch:
                last = batch[-1].seq
                if found := await _found(workspace_id, where, batch):
                    yield found
    finally:
        listener.close()


async def _found(
    workspace_id: int, where: ConversationFilter | None, batch: Sequence[EventRow]
) -> list[Happening]:
    if where is None:
        return [Happening(row, None) for row in batch if row.kind is EventKind.ERASED]
    kept = [row for row in batch if row.kind is not EventKind.ERASED]
    return await _matching(workspace_id, where, kept) if kept else []


async def _matching(
    workspace_id: int, where: ConversationFilter, batch: Sequence[EventRow]
) -> list[Happening]:
    """The events whose conversation matches now, and those whose conversation the event itself
    may have taken out of the filter (it matches the filter but for what that kind of event
    changes), so a live list learns which rows left it."""
    rows = await _conversations(workspace_id, where, {row.conversation_id for row in batch})
    missing: dict[EventKind, set[int]] = {}
    for event in batch:
        if event.conversation_id not in rows and event.kind in _CHANGES:
            missing.setdefault(event.kind, set()).add(event.conversation_id)
    left: dict[tuple[EventKind, int], Conversation] = {}
    for kind, ids in missing.items():
        relaxed = replace(where, **_CHANGES[kind])
        if relaxed != where:  # the filter asks about what this kind of event changes
            for pk, was in (await _conversations(workspace_id, relaxed, ids)).items():
                left[(kind, pk)] = was
    found: list[Happening] = []
    for event in batch:
        now = rows.get(event.conversation_id)
        if now is not None:
            found.append(Happening(event, now))
        elif (gone := left.get((event.kind, event.conversation_id))) is not None:
            found.append(Happening(event, gone, left=event.kind is not EventKind.ENDED))
    return found


async def _conversations(
    workspace_id: int, where: ConversationFilter, ids: set[int]
) -> dict[int, Conversation]:
    params = Params(dialect())
    sql = (
        f"SELECT c.* FROM conversation c WHERE {conversation_where(workspace_id, where, params)} "
        f"AND c.id IN {params.add_all(sorted(ids))}"
    )
    return {row.id: row for row in await fetch_models(Conversation, sql, params)}
