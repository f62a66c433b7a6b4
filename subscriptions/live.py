"""What the live side of one server process holds, started and stopped by the app's lifespan."""

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from models.config import dialect_of
from resolvers.database.sql import Params, fetch
from resolvers.events.log import CHANNEL as CHANNEL_OF_EVENTS
from resolvers.events.log import add_commit_listener, sequencer
from resolvers.replies import add_held_source
from resolvers.turns import TURN_CHANNEL, take_queued
from subscriptions.broker import LocalBroker, PostgresBroker
from subscriptions.bus import EventBus
from subscriptions.counts import LiveCounts
from subscriptions.feed import EventFeed
from subscriptions.replies import CHANNEL, ReplyBoard


@dataclass(frozen=True)
class LiveSettings:
    count_interval_seconds: float = 0.1
    """Coalescing window of live counts: at most one count per filter per window."""
    listener_bound: int = 1000
    """Events a subscriber may fall behind before it is closed (it resumes by cursor)."""
    event_bus: str | None = None
    """A NATS server (`nats://host:port`) whose JetStream carries event numbers between
    processes instead of PostgreSQL's NOTIFY (subscriptions/bus.py)."""
    event_bus_stream: str = "PARLEY_EVENTS"


class Live:
    def __init__(self, database_url: str, settings: LiveSettings) -> None:
        self.feed = EventFeed(settings.listener_bound)
        self.counts = LiveCounts(self.feed, settings.count_interval_seconds)
        self.broker: LocalBroker | PostgresBroker
        self._turn_listeners: list[Callable[[], None]] = []
        self.bus: EventBus | None = None
        self._sweep: asyncio.Task[None] | None = None
        self._postgres = dialect_of(database_url) == "postgres"
        if settings.event_bus and not self._postgres:
            raise ValueError("PARLEY_EVENT_BUS needs PostgreSQL: SQLite serves one process")
        if self._postgres:
            self.replies = ReplyBoard(_notify)
            channels: dict[str, Callable[[str], None]] = {
                CHANNEL: self.replies.heard,
                TURN_CHANNEL: self._turn_queued,
            }
            if settings.event_bus:
                self.bus = EventBus(settings.event_bus, settings.event_bus_stream, self.feed)
            self.broker = PostgresBroker(self.feed, database_url, channels, events=self.bus is None)
        else:
            self.replies = ReplyBoard()
            self.broker = LocalBroker(self.feed)
            self._unlisten_turns = add_commit_listener(self._committed)
        self._unhold = add_held_source(self.replies.heard_of)

    def add_turn_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Calls `listener` when a turn for the built-in engine was queued, by any process;
        returns the call that stops it."""
        self._turn_listeners.append(listener)
        return lambda: self._turn_listeners.remove(listener)

    def _turn_queued(self, _payload: str = "") -> None:
        for listener in list(self._turn_listeners):
            listener()

    def _committed(self, _workspace_id: int, _seq: int) -> None:
        """SQLite's one process: a committed change that queued a turn says so."""
        if take_queued():
            self._turn_queued()

    async def start(self) -> None:
        await self.broker.start()
        if not self._postgres:
            return
        numbering = sequencer()
        if self.bus is not None:
            await self.bus.start()
            numbering.notify, numbering.publish = None, self.bus.post
        self._sweep = asyncio.create_task(numbering.sweep_forever(), name="event-sweep")

    async def stop(self) -> None:
        self._unhold()
        await self.replies.sent()
        if self._sweep is not None:
            self._sweep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweep
        if self.bus is not None:
            numbering = sequencer()
            numbering.notify, numbering.publish = CHANNEL_OF_EVENTS, None
            await self.bus.stop()
        await self.broker.stop()
        self.feed.stop()


async def _notify(payload: str) -> None:
    """Tells every process's reply board (their listeners hear `parley_replies`)."""
    params = Params("postgres")
    await fetch(f"SELECT pg_notify('{CHANNEL}', {params.add(payload)})", params)
