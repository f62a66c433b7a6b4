"""What the live side of one server process holds, started and stopped by the app's lifespan."""

from dataclasses import dataclass

from models.config import dialect_of
from resolvers.database.sql import Params, fetch
from subscriptions.broker import LocalBroker, PostgresBroker
from subscriptions.counts import LiveCounts
from subscriptions.feed import EventFeed
from subscriptions.replies import CHANNEL, ReplyBoard


@dataclass(frozen=True)
class LiveSettings:
    count_interval_seconds: float = 0.25
    """Coalescing window of live counts: at most one count per filter per window."""
    listener_bound: int = 1000
    """Events a subscriber may fall behind before it is closed (it resumes by cursor)."""


class Live:
    def __init__(self, database_url: str, settings: LiveSettings) -> None:
        self.feed = EventFeed(settings.listener_bound)
        self.counts = LiveCounts(self.feed, settings.count_interval_seconds)
        self.broker: LocalBroker | PostgresBroker
        if dialect_of(database_url) == "postgres":
            self.replies = ReplyBoard(_notify)
            self.broker = PostgresBroker(self.feed, database_url, self.replies.heard)
        else:
            self.replies = ReplyBoard()
            self.broker = LocalBroker(self.feed)

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()
        self.feed.stop()


async def _notify(payload: str) -> None:
    """Tells every process's reply board (their listeners hear `parley_replies`)."""
    params = Params("postgres")
    await fetch(f"SELECT pg_notify('{CHANNEL}', {params.add(payload)})", params)
