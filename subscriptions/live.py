"""What the live side of one server process holds, started and stopped by the app's lifespan."""

from collections.abc import Callable
from dataclasses import dataclass

from models.config import dialect_of
from resolvers.database.sql import Params, fetch
from resolvers.events.log import add_commit_listener
from resolvers.replies import add_held_source
from resolvers.turns import TURN_CHANNEL, take_queued
from subscriptions.broker import LocalBroker, PostgresBroker
from subscriptions.counts import LiveCounts
from subscriptions.feed import EventFeed
from subscriptions.replies import CHANNEL, ReplyBoard


@dataclass(frozen=True)
class LiveSettings:
    count_interval_seconds: float = 0.1
    """Coalescing window of live counts: at most one count per filter per window."""
    listener_bound: int = 1000
    """Events a subscriber may fall behind before it is closed (it resumes by cursor)."""


class Live:
    def __init__(self, database_url: str, settings: LiveSettings) -> None:
        self.feed = EventFeed(settings.listener_bound)
        self.counts = LiveCounts(self.feed, settings.count_interval_seconds)
        self.broker: LocalBroker | PostgresBroker
        self._turn_listeners: list[Callable[[], None]] = []
        if dialect_of(database_url) == "postgres":
            self.replies = ReplyBoard(_notify)
            channels: dict[str, Callable[[str], None]] = {
                CHANNEL: self.replies.heard,
                TURN_CHANNEL: self._turn_queued,
            }
            self.broker = PostgresBroker(self.feed, database_url, channels)
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

    async def stop(self) -> None:
        self._unhold()
        await self.replies.sent()
        await self.broker.stop()
        self.feed.stop()


async def _notify(payload: str) -> None:
    """Tells every process's reply board (their listeners hear `parley_replies`)."""
    params = Params("postgres")
    await fetch(f"SELECT pg_notify('{CHANNEL}', {params.add(payload)})", params)
