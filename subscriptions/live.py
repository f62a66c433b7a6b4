"""What the live side of one server process holds, started and stopped by the app's lifespan."""

from dataclasses import dataclass

from models.config import dialect_of
from subscriptions.broker import LocalBroker, PostgresBroker
from subscriptions.counts import LiveCounts
from subscriptions.feed import EventFeed


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
        self.broker: LocalBroker | PostgresBroker = (
            PostgresBroker(self.feed, database_url)
            if dialect_of(database_url) == "postgres"
            else LocalBroker(self.feed)
        )

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()
        self.feed.stop()
