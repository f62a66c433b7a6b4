"""Live conversation counts (a badge's number, or its facets), computed once per process per
(workspace, filter, what is counted).

However many dashboards watch the same badge, one task counts: right away when the first one comes,
then only after events that can change that count, at most once per interval (changes within the
interval are coalesced, and the last value is always delivered), never while nothing changes. A
change after a quiet interval is counted at once; only changes that follow one closely wait for
the interval to end.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar, cast

from models.enums import EventKind
from resolvers.conversation import count_conversations
from resolvers.errors import database_failure
from resolvers.facets import Facets, conversation_facets
from resolvers.filters import ConversationFilter
from subscriptions.feed import EventFeed, EventRow, FeedUnavailableError

logger = logging.getLogger("parley.live")

Counting = Callable[[int, ConversationFilter], Awaitable[object]]
"""What is counted: `count_conversations` (a badge) or `conversation_facets`."""
CountKey = tuple[int, ConversationFilter, Counting]
T = TypeVar("T")


MOVES = {
    EventKind.HANDOVER_REQUESTED,
    EventKind.TAKEN_OVER,
    EventKind.HANDED_BACK,
    EventKind.ASSIGNED,
}
"""The events of a change of handling or assignee (resolvers/handover.py)."""


def can_change(where: ConversationFilter, kinds: set[EventKind], facets: bool = False) -> bool:
    """Whether events of these kinds can change how many conversations match (`facets`: or how
    they split by handling and assignee, which moves change whatever the filter)."""
    if kinds & {EventKind.STARTED, EventKind.ENDED, EventKind.ERASED}:
        return True
    if facets and kinds & MOVES:
        return True
    by_messages = (
        where.search is not None or where.min_cost is not None or where.max_cost is not None
    )
    if EventKind.MESSAGE_ADDED in kinds and by_messages:
        return True
    by_rating = (
        where.min_rating is not None or where.max_rating is not None or where.rated is not None
    )
    if EventKind.RATED in kinds and by_rating:
        return True
    if EventKind.LABELLED in kinds and (where.labels_any is not None or where.labels_all):
        return True
    handovers = {EventKind.HANDOVER_REQUESTED, EventKind.TAKEN_OVER, EventKind.HANDED_BACK}
    if kinds & handovers and where.handlings is not None:
        return True
    by_assignee = where.assignee_ids is not None or where.assigned is not None
    if kinds & {EventKind.TAKEN_OVER, EventKind.ASSIGNED} and by_assignee:
        return True
    return EventKind.VARIABLES_SET in kinds and bool(where.variables)


class LiveCount:
    def __init__(self, key: CountKey, interval: float, on_idle: Callable[[CountKey], None]) -> None:
        self.key = key
        self.value: object = None
        self.computations = 0
        self._interval = interval
        self._on_idle = on_idle
        self._dirty = asyncio.Event()
        self._counted_at = 0.0
        self._watchers: list[Watcher] = []
        self._unwatch: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def start(self, feed: EventFeed) -> None:
        workspace_id = self.key[0]
        try:
            self._unwatch = await feed.watch(workspace_id, self._on_events, self._fail)
            self.value = await self._count()
        except BaseException:
            self.stop()  # waiters see it gone and start afresh
            self.ready.set_result(None)
            raise
        self._task = asyncio.create_task(self._run(), name=f"count-{workspace_id}")
        self.ready.set_result(None)

    def _on_events(self, rows: list[EventRow]) -> None:
        faceted = self.key[2] is conversation_facets
        if can_change(self.key[1], {row.kind for row in rows}, faceted):
            self._dirty.set()

    def _fail(self, error: BaseException) -> None:
        """The database cannot be read: every watcher is told (its subscriber closes with 4503
        and counts afresh when it comes back) instead of showing a stale number."""
        for watcher in self._watchers:
            watcher.put(error)

    async def _count(self) -> object:
        self.computations += 1
        self._counted_at = asyncio.get_running_loop().time()
        workspace_id, where, counting = self.key
        return await counting(workspace_id, where)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._dirty.wait()
            # At most one count per interval: what arrives meanwhile is gathered into the next.
            await asyncio.sleep(max(0.0, self._counted_at + self._interval - loop.time()))
            self._dirty.clear()
            try:
                value = await self._count()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if database_failure(error) is None:
                    logger.exception("counting %s failed; trying again", self.key)
                else:
                    self._fail(error)
                self._dirty.set()
                continue
            if value != self.value:
                self.value = value
                for watcher in self._watchers:
                    watcher.put(value)

    def add(self, watcher: "Watcher") -> None:
        self._watchers.append(watcher)

    def remove(self, watcher: "Watcher") -> None:
        self._watchers.remove(watcher)
        if not self._watchers:
            self.stop()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None
        self._on_idle(self.key)


class Watcher:
    """One dashboard's next value: only the newest is kept for a watcher that has not taken the
    last one yet. A slot, and a future only while it waits (thousands sit idle)."""

    __slots__ = ("_value", "_waiter")

    def __init__(self) -> None:
        self._value: object = None
        self._waiter: asyncio.Future[None] | None = None

    def put(self, value: object) -> None:
        self._value = value
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> object:
        while self._value is None:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        value, self._value = self._value, None
        return value


class LiveCounts:
    def __init__(self, feed: EventFeed, interval: float) -> None:
        self._feed = feed
        self._interval = interval
        self._counts: dict[CountKey, LiveCount] = {}

    def _forget(self, key: CountKey) -> None:
        self._counts.pop(key, None)

    async def count(self, key: CountKey) -> LiveCount:
        """The live count of `key`, started by its first watcher."""
        while True:
            count = self._counts.get(key)
            if count is None:
                count = LiveCount(key, self._interval, self._forget)
                self._counts[key] = count
                await count.start(self._feed)
            else:
                await asyncio.wait([count.ready])  # its starter's failure is not ours
            if self._counts.get(key) is count:  # started, and not stopped meanwhile
                return count

    def watch(self, workspace_id: int, where: ConversationFilter) -> "Watching[int]":
        """The current count, then each new one, for as long as the block runs; raises
        FeedUnavailableError once the database cannot be read."""
        return Watching(self, (workspace_id, where, count_conversations))

    def watch_facets(self, workspace_id: int, where: ConversationFilter) -> "Watching[Facets]":
        """The same for the filter's count by type, status, assistant, handling and assignee."""
        return Watching(self, (workspace_id, where, conversation_facets))

    @property
    def active(self) -> int:
        return len(self._counts)

    def computations(
        self, workspace_id: int, where: ConversationFilter, counting: Counting = count_conversations
    ) -> int:
        count = self._counts.get((workspace_id, where, counting))
        return count.computations if count is not None else 0


class Watching(Generic[T]):
    """One dashboard's values: `async with` it, then iterate. A plain object rather than a
    context manager and a generator of values, whose frames its socket would hold while it
    waits (thousands wait at once)."""

    __slots__ = ("_count", "_counts", "_key", "_watcher")

    def __init__(self, counts: LiveCounts, key: CountKey) -> None:
        self._counts = counts
        self._key = key
        self._count: LiveCount | None = None
        self._watcher = Watcher()

    async def __aenter__(self) -> "Watching[T]":
        count = await self._counts.count(self._key)
        count.add(self._watcher)
        self._watcher.put(count.value)
        self._count = count
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._count is not None:
            self._count.remove(self._watcher)
            self._count = None

    def __aiter__(self) -> "Watching[T]":
        return self

    async def __anext__(self) -> T:
        value = await self._watcher.get()
        if isinstance(value, BaseException):
            raise FeedUnavailableError from value
        return cast("T", value)
