"""How a process hears that a workspace has new events, and that a key was revoked.

SQLite runs in one process, so its own commits are all there is (`LocalBroker`). PostgreSQL may have
many server processes: each LISTENs on one dedicated connection (`PostgresBroker`); after that
connection is lost and made again, every feed reads what it may have missed, so a restart of the
database or a killed listener delays events but loses none.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from resolvers.apikey import REVOCATION_CHANNEL, announce_revoked
from resolvers.events.log import CHANNEL, add_commit_listener
from subscriptions.feed import EventFeed

logger = logging.getLogger("parley.live")

APPLICATION_NAME = "parley-listener"
HEALTH_CHECK_SECONDS = 10.0


class LocalBroker:
    def __init__(self, feed: EventFeed) -> None:
        self._feed = feed
        self._stop: Callable[[], None] | None = None

    async def start(self) -> None:
        self._stop = add_commit_listener(self._feed.wake)

    async def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None

    @property
    def hears_revocations(self) -> bool:
        """One process serves SQLite: every revocation is made, and heard, here."""
        return True


def listener_dsn(database_url: str) -> str:
    """asyncpg's DSN for a Tortoise URL: the same server and database, none of the ORM options."""
    parts = urlsplit(database_url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


class PostgresBroker:
    def __init__(
        self,
        feed: EventFeed,
        database_url: str,
        channels: Mapping[str, Callable[[str], None]] | None = None,
        events: bool = True,
    ) -> None:
        self._feed = feed
        self._events = events
        """Whether event numbers arrive here (else a bus brings them: subscriptions/bus.py)."""
        self._channels = dict(channels or {})
        """Other channels this process hears, each with what hears its payloads."""
        self._dsn = listener_dsn(database_url)
        self._local = LocalBroker(feed)
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()
        self.connections = 0
        """How many times the listener connection was made (1 + reconnects)."""
        self.listener_pid: int | None = None
        """The backend process of the listening connection while it is connected."""

    @property
    def hears_revocations(self) -> bool:
        """While the listener is connected, other processes' revocations arrive as they are
        made; after a reconnect every socket checks its token again (`announce_revoked(None)`)."""
        return self.connected.is_set()

    async def start(self) -> None:
        await self._local.start()
        self._task = asyncio.create_task(self._listen_forever(), name="pg-listener")

    async def stop(self) -> None:
        await self._local.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        workspace, _, seq = payload.partition(":")
        try:
            self._feed.wake(int(workspace), int(seq))
        except ValueError:
            logger.warning("ignoring a malformed notice %r", payload)

    def _channel_notice(self, _connection: object, _pid: int, channel: str, payload: str) -> None:
        heard = self._channels.get(channel)
        if heard is not None:
            heard(payload)

    def _revoked(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            announce_revoked(int(payload))
        except ValueError:
            logger.warning("ignoring a malformed revocation notice %r", payload)

    async def _listen_forever(self) -> None:
        retry = 0.1
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(
                    self._dsn, server_settings={"application_name": APPLICATION_NAME}
                )
                lost = asyncio.Event()
                connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
                if self._events:
                    await connection.add_listener(CHANNEL, self._notified)
                await connection.add_listener(REVOCATION_CHANNEL, self._revoked)
                for channel in self._channels:
                    await connection.add_listener(channel, self._channel_notice)
                self.connections += 1
                self.listener_pid = connection.get_server_pid()
                self.connected.set()
                if self._events:
                    self._feed.wake_all()  # whatever was committed while nobody listened
                announce_revoked(None)  # and whatever was revoked
                retry = 0.1
                await self._until_lost(connection, lost)
            except asyncio.CancelledError:
                raise
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
                logger.warning("event listener connection failed: %s; retrying", error)
            finally:
                if self.connected.is_set():  # lost: the database itself may be gone, and the
                    self._feed.wake_all()  # feeds find out by reading (their subscribers: 4503)
                self.connected.clear()
                self.listener_pid = None
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(retry)
            retry = min(retry * 2, 5.0)

    async def _until_lost(self, connection: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Returns when the connection ends or stops answering."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), HEALTH_CHECK_SECONDS)
                return
            await asyncio.wait_for(connection.execute("SELECT 1"), HEALTH_CHECK_SECONDS)
