"""Each process reads each watched workspace's event log once and fans it out to its listeners.

A workspace's events are numbered 1, 2, 3 … and become visible in that order
(resolvers/events/log.py), so reading "everything after the last number seen" never skips one.
Notices from the broker only say when to read; a missed notice delays a read, it never loses an
event. Feeds exist only while someone listens.

A listener may follow one conversation: it is then offered only that conversation's events, found
by a dict lookup however many widgets listen, and the messages they added come with them, read by
the feed's one statement per batch (a widget's stream needs no statement of its own per message).
"""

import asyncio
import logging
from collections.abc import Callable, Container
from dataclasses import dataclass

from models import Message, Workspace
from models.enums import EventKind
from resolvers.database.sql import Params, dialect, fetch
from resolvers.errors import database_failure

logger = logging.getLogger("parley.live")

READ_BATCH = 500


@dataclass(frozen=True)
class EventRow:
    seq: int
    conversation_id: int
    kind: EventKind
    message_id: int | None
    message: Message | None = None
    """The message it added, read by the feed when someone follows its conversation."""


async def read_events(
    workspace_id: int,
    after: int,
    limit: int = READ_BATCH,
    followed: Container[int] = (),
) -> list[EventRow]:
    """The workspace's events after `after`, in order; those that added a message to one of the
    `followed` conversations come with that message, read by the same statement. Every feed runs
    this once per batch: fixed SQL, not a query built each time (building it cost more than
    running it)."""
    params = Params(dialect())
    where = f"e.workspace_id = {params.add(workspace_id)} AND e.seq > {params.add(after)}"
    columns, join = "", ""
    if followed:
        columns = ", m.*"
        join = "LEFT JOIN message m ON m.id = e.message_id"
    sql = (
        "SELECT e.seq AS event_seq, e.conversation_id AS event_conversation, "
        f"e.kind AS event_kind, e.message_id AS event_message{columns} "
        f"FROM conversation_event e {join} WHERE {where} "
        f"ORDER BY e.seq LIMIT {params.add(limit)}"
    )
    rows = []
    for row in await fetch(sql, params):
        seq, conversation, kind, message_id = (
            row.pop("event_seq"),
            row.pop("event_conversation"),
            EventKind(row.pop("event_kind")),
            row.pop("event_message"),
        )
        message = None
        if message_id is not None and row.get("id") is not None and conversation in followed:
            message = Message._init_from_db(**row)
        rows.append(EventRow(seq, conversation, kind, message_id, message))
    return rows


async def last_event_number(workspace_id: int) -> int:
    workspace = await Workspace.get_or_none(id=workspace_id)
    return workspace.event_seq if workspace is not None else 0


class SlowConsumerError(Exception):
    """A listener fell further behind than its bound; it must reconnect and resume by cursor."""


class FeedUnavailableError(Exception):
    """The feed could not read the database (its cause says why); the listener must reconnect
    and resume by cursor once the database is back."""


class Listener:
    """One subscription's pending events, bounded: past the bound it is told it fell behind.

    It holds one small object per idle subscription (slots, and a future only while its stream
    waits): thousands of them sit idle in one process."""

    __slots__ = (
        "_bound",
        "_feed",
        "_on_overflow",
        "_pending",
        "_waiter",
        "_wants",
        "conversation_id",
        "failure",
        "overflowed",
        "start",
    )

    def __init__(
        self,
        feed: "WorkspaceFeed",
        bound: int,
        wants: Callable[[EventRow], bool] | None,
        on_overflow: Callable[[], None] | None,
        conversation_id: int | None = None,
    ) -> None:
        self._feed = feed
        self._bound = bound
        self._wants = wants
        self._on_overflow = on_overflow
        self._pending: list[EventRow] = []
        self._waiter: asyncio.Future[None] | None = None
        self.conversation_id = conversation_id
        """Only this conversation's events are offered, when set."""
        self.overflowed = False
        self.failure: BaseException | None = None
        self.start = feed.last_seq
        """Events up to here were committed before this listener existed."""

    def offer(self, rows: list[EventRow]) -> None:
        if self.overflowed:
            return
        if self._wants is not None:
            rows = [row for row in rows if self._wants(row)]
        if not rows:
            return
        if len(self._pending) >= self._bound:  # the listener left that many unread: too slow
            self.overflowed = True
            self._pending.clear()
            if self._on_overflow is not None:
                self._on_overflow()
        else:
            self._pending += rows  # a whole batch, however large, joins a short queue
        self._wake()

    def fail(self, error: BaseException) -> None:
        """The feed cannot read the database: waiting would mean waiting blind."""
        self.failure = error
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next_batch(self) -> list[EventRow]:
        """Every event that arrived since the last call, in order (waits for at least one)."""
        while not self._pending:
            if self.overflowed:
                raise SlowConsumerError
            if self.failure is not None:
                raise FeedUnavailableError from self.failure
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        rows, self._pending = self._pending, []
        return rows

    def close(self) -> None:
        self._feed.remove(self.offer, self.conversation_id)


Callback = Callable[[list[EventRow]], None]


class WorkspaceFeed:
    def __init__(self, workspace_id: int, on_idle: Callable[["WorkspaceFeed"], None]) -> None:
        self.workspace_id = workspace_id
        self.last_seq = 0
        self._on_idle = on_idle
        self._callbacks: list[Callback] = []
        self._followers: dict[int, list[Callback]] = {}
        """Callbacks of one conversation's events, by conversation."""
        self._failures: dict[Callback, Callable[[BaseException], None]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Done once started, or once its start failed (it is then forgotten)."""

    async def start(self) -> None:
        try:
            self.last_seq = await last_event_number(self.workspace_id)
        except BaseException:
            self._on_idle(self)  # waiters see it gone and start afresh
            self.ready.set_result(None)
            raise
        self._task = asyncio.create_task(self._run(), name=f"feed-{self.workspace_id}")
        self.ready.set_result(None)

    def add(
        self,
        callback: Callback,
        on_failure: Callable[[BaseException], None] | None = None,
        conversation_id: int | None = None,
    ) -> None:
        if conversation_id is None:
            self._callbacks.append(callback)
        else:
            self._followers.setdefault(conversation_id, []).append(callback)
        if on_failure is not None:
            self._failures[callback] = on_failure

    def remove(self, callback: Callback, conversation_id: int | None = None) -> None:
        if conversation_id is None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
        elif (followers := self._followers.get(conversation_id)) is not None:
            if callback in followers:
                followers.remove(callback)
            if not followers:
                del self._followers[conversation_id]
        self._failures.pop(callback, None)
        if not self._callbacks and not self._followers:
            self.stop()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._on_idle(self)

    def _dispatch(self, rows: list[EventRow]) -> None:
        for callback in list(self._callbacks):
            callback(rows)
        if not self._followers:
            return
        by_conversation: dict[int, list[EventRow]] = {}
        for row in rows:
            if row.conversation_id in self._followers:
                by_conversation.setdefault(row.conversation_id, []).append(row)
        for conversation_id, own in by_conversation.items():
            for callback in list(self._followers.get(conversation_id, ())):
                callback(own)

    async def _run(self) -> None:
        retry = 0.1
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                while rows := await read_events(
                    self.workspace_id, self.last_seq, followed=self._followers.keys()
                ):
                    self.last_seq = rows[-1].seq
                    self._dispatch(rows)
                    if len(rows) < READ_BATCH:
                        break  # all there was: what commits later wakes the feed again
                retry = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if database_failure(error) is None:
                    logger.exception("reading events of workspace %s failed", self.workspace_id)
                else:  # the database is away: who can resume by cursor is told to
                    name = type(error).__name__
                    logger.warning(
                        "reading events of workspace %s failed: %s", self.workspace_id, name
                    )
                    for fail in list(self._failures.values()):
                        fail(error)
                await asyncio.sleep(retry)
                retry = min(retry * 2, 5.0)
                self._wake.set()


class EventFeed:
    """All the workspace feeds of this process."""

    def __init__(self, listener_bound: int) -> None:
        self.listener_bound = listener_bound
        self._feeds: dict[int, WorkspaceFeed] = {}
        self._notice_listeners: list[Callable[[], None]] = []

    def add_notice_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Calls `listener` on every notice of new events, of any workspace, whether anyone
        listens to that workspace or not (the webhook worker); returns the call that stops it."""
        self._notice_listeners.append(listener)
        return lambda: self._notice_listeners.remove(listener)

    async def _feed(self, workspace_id: int) -> WorkspaceFeed:
        while True:
            feed = self._feeds.get(workspace_id)
            if feed is None:
                feed = WorkspaceFeed(workspace_id, self._forget)
                self._feeds[workspace_id] = feed
                await feed.start()
            else:
                await asyncio.wait([feed.ready])  # its starter's failure is not ours
            if self._feeds.get(workspace_id) is feed:  # started, and not stopped meanwhile
                return feed

    def _forget(self, feed: WorkspaceFeed) -> None:
        if self._feeds.get(feed.workspace_id) is feed:
            del self._feeds[feed.workspace_id]

    async def listen(
        self,
        workspace_id: int,
        wants: Callable[[EventRow], bool] | None = None,
        on_overflow: Callable[[], None] | None = None,
        conversation_id: int | None = None,
    ) -> Listener:
        """A listener of the workspace's events from now on (read older ones with read_events):
        those `wants` accepts (of one conversation, with their messages, given
        `conversation_id`), until more than the bound are pending, when `on_overflow` runs.
        Once the feed cannot read the database, `next_batch` raises FeedUnavailableError."""
        feed = await self._feed(workspace_id)
        listener = Listener(feed, self.listener_bound, wants, on_overflow, conversation_id)
        feed.add(listener.offer, listener.fail, conversation_id)
        return listener

    async def watch(
        self,
        workspace_id: int,
        callback: Callable[[list[EventRow]], None],
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> Callable[[], None]:
        """Calls `callback` with every batch of new events, and `on_failure` each time the feed
        cannot read the database; returns the call that stops it."""
        feed = await self._feed(workspace_id)
        feed.add(callback, on_failure)
        return lambda: feed.remove(callback)

    def wake(self, workspace_id: int, seq: int) -> None:
        """A notice: the workspace has events up to `seq`."""
        for listener in self._notice_listeners:
            listener()
        feed = self._feeds.get(workspace_id)
        if feed is not None and seq > feed.last_seq:
            feed.wake()

    def wake_all(self) -> None:
        """After notices may have been missed (a reconnect): every feed reads what it lacks."""
        for listener in self._notice_listeners:
            listener()
        for feed in self._feeds.values():
            feed.wake()

    @property
    def workspaces(self) -> int:
        return len(self._feeds)

    def stop(self) -> None:
        for feed in list(self._feeds.values()):
            feed.stop()
