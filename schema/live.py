"""Live views over `graphql-transport-ws`: the widget's messages, and dashboards' counts and
lists."""

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from enum import Enum
from typing import Annotated

import strawberry

from models.enums import EventKind
from resolvers.conversation import get_conversation
from resolvers.errors import database_failure
from resolvers.events.log import event_cursor, parse_event_cursor
from resolvers.ids import decode_id, encode_id
from resolvers.loaders import Loaders
from resolvers.message import parse_message_cursor
from schema.context import Info
from schema.conversation import Conversation
from schema.counts import ConversationCounts
from schema.filters import FilterArgument, to_filter
from schema.frames import current as direct_frames
from schema.message import MessageEdge
from schema.policy.metrics import DIRECT_FRAMES, subscription_running
from schema.policy.visibility import VISITOR
from subscriptions.closecodes import FORBIDDEN, SLOW_CONSUMER, UNAVAILABLE
from subscriptions.feed import SlowConsumerError
from subscriptions.streams import Happening, event_stream, message_stream

UNAVAILABLE_REASON = "Database unavailable: reconnect and resume from your last cursor"
CLOSING_SECONDS = 5.0
"""How long a stream whose socket is closing waits to be cancelled by the close."""

logger = logging.getLogger("parley.live")


@strawberry.enum(description="What happened to a conversation.")
class ConversationEventKind(Enum):
    STARTED = strawberry.enum_value("STARTED", description="A conversation started.")
    UPDATED = strawberry.enum_value(
        "UPDATED",
        description="A message or variables were added, labels changed, or it or a message "
        "was rated.",
    )
    ENDED = strawberry.enum_value("ENDED", description="The conversation ended.")
    LEFT = strawberry.enum_value(
        "LEFT",
        description="It no longer matches the list's filter: a label was removed, a rating or "
        "variable changed, its cost passed the maximum (under a status filter, ENDED says so).",
    )


_KINDS = {
    EventKind.STARTED: ConversationEventKind.STARTED,
    EventKind.MESSAGE_ADDED: ConversationEventKind.UPDATED,
    EventKind.VARIABLES_SET: ConversationEventKind.UPDATED,
    EventKind.ENDED: ConversationEventKind.ENDED,
    EventKind.RATED: ConversationEventKind.UPDATED,
    EventKind.LABELLED: ConversationEventKind.UPDATED,
    EventKind.REPLY_STARTED: ConversationEventKind.UPDATED,
    EventKind.REPLY_FINISHED: ConversationEventKind.UPDATED,
    EventKind.HANDOVER_REQUESTED: ConversationEventKind.UPDATED,
    EventKind.ASSIGNED: ConversationEventKind.UPDATED,
    EventKind.TAKEN_OVER: ConversationEventKind.UPDATED,
    EventKind.HANDED_BACK: ConversationEventKind.UPDATED,
}


def _coalesced(batch: list[Happening]) -> list[tuple[Happening, ConversationEventKind]]:
    """The batch's events as a live list sees them, an UPDATED dropped when the next one is an
    UPDATED of the same conversation: both would carry the row as it is now (read once for the
    batch), so the events one commit writes together (a handover move: its HANDOVER message's and
    its own) reach a list once, with the later cursor. Webhooks and counts still see each."""
    kept: list[tuple[Happening, ConversationEventKind]] = []
    for happening in batch:
        kind = ConversationEventKind.LEFT if happening.left else _KINDS[happening.event.kind]
        if kept and kind is ConversationEventKind.UPDATED:
            previous, previous_kind = kept[-1]
            same = previous.event.conversation_id == happening.event.conversation_id
            if same and previous_kind is ConversationEventKind.UPDATED:
                kept.pop()
        kept.append((happening, kind))
    return kept


@strawberry.type(description="A change of a conversation in the live list.")
class ConversationEvent:
    cursor: str = strawberry.field(description="Pass as `after` to resume right after this event.")
    kind: ConversationEventKind = strawberry.field(description="Started, updated or ended.")
    conversation_id: strawberry.ID = strawberry.field(description="The conversation's ID.")
    conversation: Conversation = strawberry.field(
        description="The conversation as it is now (not as it was at the event)."
    )


@strawberry.type(description="A conversation that was erased: a live list drops it.")
class ErasedConversation:
    cursor: str = strawberry.field(
        description="Pass as `after` to resume right after this event (conversationEvents' "
        "cursors)."
    )
    conversation_id: strawberry.ID = strawberry.field(description="The erased conversation's ID.")


def closer(info: Info) -> Callable[[], None]:
    """What to do when this subscriber falls too far behind: close its socket at once."""
    return lambda: info.context.close_socket(SLOW_CONSUMER, SLOW_CONSUMER_REASON)


async def still_authorized(info: Info) -> bool:
    """False, with the socket closing (4403), once its key is revoked or its token expired."""
    if await info.context.still_authorized():
        return True
    info.context.close_socket(FORBIDDEN, "The key was revoked or the session expired")
    return False


SLOW_CONSUMER_REASON = "Too far behind: reconnect and resume from your last cursor"


class closing_on_failure:  # noqa: N801 (used as a function: `async with closing_on_failure(…)`)
    """A stream that cannot read the database closes its socket with 4503, and waits for the
    close to cancel it instead of completing (a complete would tell the client it is over).
    One that fell too far behind waits the same way: its socket is being closed with 4499.

    A slotted object, not a generator-based context manager: every subscription holds one while
    it waits."""

    __slots__ = ("_info",)

    def __init__(self, info: Info) -> None:
        self._info = info

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self, _kind: type[BaseException] | None, error: BaseException | None, _trace: object
    ) -> bool:
        if isinstance(error, SlowConsumerError):
            await asyncio.sleep(CLOSING_SECONDS)
            return True
        if not isinstance(error, Exception):
            return False  # none, or cancellation and the like: let it through
        failure = database_failure(error)
        if failure is None:
            return False
        cause = type(error.__cause__ or error).__name__
        logger.warning("live stream closed with %s (%s): %s", UNAVAILABLE, failure.code, cause)
        self._info.context.close_socket(UNAVAILABLE, UNAVAILABLE_REASON)
        await asyncio.sleep(CLOSING_SECONDS)
        return True


@strawberry.type
class LiveSubscriptions:
    @strawberry.subscription(
        metadata=VISITOR,
        description="Messages after `after` (a MessageEdge cursor; all of them without one) from "
        "storage, then new ones as they are written. Completes once the conversation has ended "
        "and its messages were sent. A session token follows its own conversation only.",
    )
    async def message_added(
        self,
        info: Info,
        conversation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The conversation.")
        ],
        after: Annotated[
            str | None, strawberry.argument(description="The last cursor already seen.")
        ] = None,
    ) -> AsyncGenerator[MessageEdge, None]:
        pk = decode_id(conversation_id, "Conversation")
        caller = info.context.caller().require_conversation(pk, write=False)
        start = parse_message_cursor(after) if after is not None else 0
        async with closing_on_failure(info):
            await get_conversation(caller.workspace_id, pk)
            feed = info.context.live.feed
            stream = message_stream(feed, caller.workspace_id, pk, start, closer(info))
            with subscription_running("messageAdded") as delivered:
                async with aclosing(stream):
                    async for rows in stream:
                        if not await still_authorized(info):
                            return
                        loaders = Loaders(caller.workspace_id)
                        roles = caller.message_roles
                        for row in rows:
                            if roles is not None and row.role not in roles:
                                continue  # not the visitor's to see
                            delivered()
                            yield MessageEdge.of(row, loaders)

    @strawberry.subscription(
        description="The number of matching conversations: at once, then each time it changes "
        "(at most a few times a second)."
    )
    async def conversation_count(
        self, info: Info, filter: FilterArgument = None
    ) -> AsyncGenerator[int, None]:
        workspace_id = info.context.reader().workspace_id
        watching = info.context.live.counts.watch(workspace_id, to_filter(filter))
        frames, key = direct_frames.get(), str(info.path.key)  # a root field's key is a name
        direct = None  # the socket's own way, once the first frame showed it is the same
        written = DIRECT_FRAMES.labels("conversationCount")
        with subscription_running("conversationCount") as delivered:
            async with closing_on_failure(info), watching as values:
                async for value in values:
                    if not await still_authorized(info):
                        return
                    delivered()
                    if direct is None:
                        yield value  # executed and sent before the next value is asked for
                        if frames is not None and frames.plain(key, value):
                            direct = frames
                    elif await direct.send(key, value):
                        written.inc()
                    else:  # the socket is gone: its close cancels this stream
                        await asyncio.sleep(CLOSING_SECONDS)
                        return

    @strawberry.subscription(
        description="The filter's count with its facets (as the query `conversationCounts`): at "
        "once, then each time any of them changes (at most a few times a second)."
    )
    async def conversation_counts(
        self, info: Info, filter: FilterArgument = None
    ) -> AsyncGenerator[ConversationCounts, None]:
        workspace_id = info.context.reader().workspace_id
        watching = info.context.live.counts.watch_facets(workspace_id, to_filter(filter))
        with subscription_running("conversationCounts") as delivered:
            async with closing_on_failure(info), watching as values:
                async for facets in values:
                    if not await still_authorized(info):
                        return
                    delivered()
                    yield ConversationCounts.of(facets, Loaders(workspace_id))

    @strawberry.subscription(
        description="Starts, updates and ends of matching conversations, resumable by cursor: "
        "events after `after`, or from now on without it."
    )
    async def conversation_events(
        self,
        info: Info,
        filter: FilterArgument = None,
        after: Annotated[
            str | None, strawberry.argument(description="The last event cursor already seen.")
        ] = None,
    ) -> AsyncGenerator[ConversationEvent, None]:
        workspace_id = info.context.reader().workspace_id
        where = to_filter(filter)
        start = parse_event_cursor(after) if after is not None else None
        async with closing_on_failure(info):
            feed = info.context.live.feed
            stream = event_stream(feed, workspace_id, where, start, closer(info))
            with subscription_running("conversationEvents") as delivered:
                async with aclosing(stream):
                    async for batch in stream:
                        if not await still_authorized(info):
                            return
                        loaders = Loaders(workspace_id)
                        for happening, kind in _coalesced(batch):
                            row = happening.conversation
                            if row is None:  # only erasures come without one
                                continue
                            delivered()
                            pk = happening.event.conversation_id
                            yield ConversationEvent(
                                cursor=event_cursor(happening.event.seq),
                                kind=kind,
                                conversation_id=strawberry.ID(encode_id("Conversation", pk)),
                                conversation=Conversation.of(row, loaders),
                            )

    @strawberry.subscription(
        description="Conversations erased in the workspace (by deleteConversation, eraseVisitor "
        "or retention), resumable by the same cursors as conversationEvents: events after "
        "`after`, or from now on without it. A live list drops them."
    )
    async def conversation_erased(
        self,
        info: Info,
        after: Annotated[
            str | None, strawberry.argument(description="The last event cursor already seen.")
        ] = None,
    ) -> AsyncGenerator[ErasedConversation, None]:
        workspace_id = info.context.reader().workspace_id
        start = parse_event_cursor(after) if after is not None else None
        async with closing_on_failure(info):
            feed = info.context.live.feed
            stream = event_stream(feed, workspace_id, None, start, closer(info))
            with subscription_running("conversationErased") as delivered:
                async with aclosing(stream):
                    async for batch in stream:
                        if not await still_authorized(info):
                            return
                        for happening in batch:
                            delivered()
                            pk = happening.event.conversation_id
                            yield ErasedConversation(
                                cursor=event_cursor(happening.event.seq),
                                conversation_id=strawberry.ID(encode_id("Conversation", pk)),
                            )
