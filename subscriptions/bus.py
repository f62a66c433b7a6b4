"""Carries event numbers between processes through NATS JetStream (`PARLEY_EVENT_BUS`), for
deployments whose processes should not all LISTEN on the database (many hosts).

What travels is what NOTIFY carries otherwise: "workspace W has events up to number N". The log
in PostgreSQL stays the source of truth: a feed woken by the bus reads the rows after its own
cursor, so a notice repeated or arriving twice changes nothing, and a notice lost only delays a
read. Three things keep that delay short:

- the sequencer hands every run's numbers to `post`, and one sender per process publishes them,
  one JetStream message per batch, each acknowledged by the stream (stored, not just sent);
- every process's sweep re-announces the workspaces numbered in the last `RECENT_SECONDS`
  (resolvers/events/sequencer.py), so numbers whose process died between its commit and its
  publish, or whose publish failed while the bus was away, arrive within a second or so;
- after the connection to the bus comes back, every feed of this process reads what it lacks.

Every process follows the stream's subject with a plain subscription, which the client makes
again by itself after a reconnect (a JetStream consumer would have to be found again after the
bus restarts, seconds during which nothing arrives); what a disconnection missed is read from the
log. The stream keeps the notices for an hour for whoever wants to replay them.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DiscardPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext

from subscriptions.feed import EventFeed

logger = logging.getLogger("parley.live")

CONNECT_SECONDS = 2.0
PUBLISH_SECONDS = 2.0
STREAM_MAX_AGE_SECONDS = 3600.0
"""How long the stream keeps notices: a subscriber needs only what a disconnection missed."""
STREAM_MAX_MESSAGES = 1_000_000


def subject_of(stream: str) -> str:
    return f"{stream.lower()}.numbers"


def encode(numbered: Sequence[tuple[int, int]]) -> bytes:
    return ",".join(f"{workspace}:{seq}" for workspace, seq in numbered).encode()


def decode(payload: bytes) -> list[tuple[int, int]]:
    """The numbers of a notice; whatever is malformed is skipped (a notice only wakes)."""
    found = []
    for item in payload.decode(errors="replace").split(","):
        workspace, _, seq = item.partition(":")
        with contextlib.suppress(ValueError):
            found.append((int(workspace), int(seq)))
    return found


class EventBus:
    """One process's connection to the bus: its sender and its subscription."""

    def __init__(self, url: str, stream: str, feed: EventFeed) -> None:
        self._url = url
        self._stream = stream
        self._subject = subject_of(stream)
        self._feed = feed
        self._client: Client | None = None
        self._jetstream: JetStreamContext | None = None
        self._task: asyncio.Task[None] | None = None
        self._sending: asyncio.Task[None] | None = None
        self._outbox: dict[int, int] = {}
        self.connected = asyncio.Event()
        self.published = 0
        """Notices the stream acknowledged (a figure for /metrics and the tests)."""
        self.reconnects = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._connect_forever(), name="event-bus")

    async def stop(self) -> None:
        for task in (self._task, self._sending):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._sending = None
        if self._client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._client.close(), CONNECT_SECONDS)
            self._client = None
        self.connected.clear()

    def post(self, numbered: Sequence[tuple[int, int]]) -> None:
        """Publishes these numbers soon, after those posted before; never waits. Posts made
        while one is on its way go out together, each workspace with its highest number."""
        for workspace, seq in numbered:
            if seq > self._outbox.get(workspace, 0):
                self._outbox[workspace] = seq
        if self._sending is None:
            self._sending = asyncio.get_running_loop().create_task(self._send(), name="bus-send")

    async def _send(self) -> None:
        try:
            while self._outbox:
                numbered, self._outbox = sorted(self._outbox.items()), {}
                jetstream = self._jetstream
                if jetstream is None or not self.connected.is_set():
                    continue  # the sweep re-announces them once the bus is back
                try:
                    await jetstream.publish(
                        self._subject, encode(numbered), timeout=PUBLISH_SECONDS
                    )
                    self.published += 1
                except Exception as error:  # the sweep re-announces them
                    logger.warning("publishing event numbers failed: %s", type(error).__name__)
        finally:
            self._sending = None

    def _heard(self, numbered: list[tuple[int, int]]) -> None:
        for workspace, seq in numbered:
            self._feed.wake(workspace, seq)

    async def _on_message(self, message: Msg) -> None:
        self._heard(decode(message.data))

    async def _disconnected(self) -> None:
        self.connected.clear()

    async def _reconnected(self) -> None:
        self.reconnects += 1
        self.connected.set()
        self._feed.wake_all()  # whatever was numbered while the bus was away

    async def _error(self, error: Exception) -> None:
        logger.warning("event bus: %s", error)

    async def _connect_forever(self) -> None:
        """Connects (retrying while the bus is away), makes sure the stream exists, follows it;
        the client reconnects by itself after that."""
        retry = 0.1
        while True:
            try:
                client = await nats.connect(
                    self._url,
                    name="parley",
                    connect_timeout=CONNECT_SECONDS,
                    reconnect_time_wait=0.25,
                    max_reconnect_attempts=-1,
                    allow_reconnect=True,
                    disconnected_cb=self._disconnected,
                    reconnected_cb=self._reconnected,
                    error_cb=self._error,
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("event bus unreachable: %s; retrying", type(error).__name__)
                await asyncio.sleep(retry)
                retry = min(retry * 2, 5.0)
                continue
            try:
                jetstream = client.jetstream(timeout=PUBLISH_SECONDS)
                await jetstream.add_stream(
                    StreamConfig(
                        name=self._stream,
                        subjects=[self._subject],
                        storage=StorageType.FILE,
                        max_age=STREAM_MAX_AGE_SECONDS,
                        max_msgs=STREAM_MAX_MESSAGES,
                        discard=DiscardPolicy.OLD,
                    )
                )
                await client.subscribe(self._subject, cb=self._on_message)
            except asyncio.CancelledError:
                await client.close()
                raise
            except Exception as error:
                logger.warning("event bus stream not ready: %s; retrying", error)
                with contextlib.suppress(Exception):
                    await client.close()
                await asyncio.sleep(retry)
                retry = min(retry * 2, 5.0)
                continue
            self._client, self._jetstream = client, jetstream
            self.connected.set()
            self._feed.wake_all()
            return
