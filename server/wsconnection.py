"""Each websocket as uvicorn holds it, without what an open socket no longer needs.

uvicorn's sans-I/O websocket connection (the `websockets` package's protocol, its default) keeps
the handshake's request and response, with their headers, for the socket's whole life, an
`asyncio.Queue` for at most a few inbound messages and an `asyncio.Event` for back-pressure: about
7 KB of a socket's 52 KB when it idles with one subscription (bench/live, tracemalloc). This one
empties the handshake's headers once it is answered and uses a list and a future in place of the
queue and the event. The scope (headers included) stays: the app reads it while the socket lives.

uvicorn's own keep-alive pings are off (`SERVE_OPTIONS`): server/heartbeat.py pings every socket
in the protocol (`graphql-transport-ws` ping/pong) from one task, and closes dead ones with 4504;
a second, per-socket timer would only double the traffic.
"""

import asyncio
from typing import Any

from uvicorn._types import ASGIReceiveEvent, ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

SERVE_OPTIONS: dict[str, Any] = {
    "ws": "server.wsconnection:LeanWebSocket",
    "ws_ping_interval": None,
    # Live frames are a few hundred bytes; permessage-deflate would keep ~50 KB of zlib state
    # per open socket (measured by bench/live) and compress every frame it sends.
    "ws_per_message_deflate": False,
}
"""What `parley serve` (and the tests' servers) give uvicorn for websockets."""


class Inbox:
    """The messages uvicorn has read and the app has not taken yet: one reader (the ASGI app's
    `receive`, never called concurrently), any number of them queued (uvicorn pauses reading
    while any is)."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[ASGIReceiveEvent] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def empty(self) -> bool:
        return not self._items

    async def get(self) -> ASGIReceiveEvent:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class Writable:
    """Whether the transport takes more bytes (uvicorn's flow control); senders wait while it
    does not. Holds futures only while someone waits."""

    __slots__ = ("_open", "_waiters")

    def __init__(self) -> None:
        self._open = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def set(self) -> None:
        self._open = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._open = False

    def is_set(self) -> bool:
        return self._open

    async def wait(self) -> None:
        while not self._open:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            await waiter


class LeanWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's default websocket connection with a lighter inbox and flow control, which lets
    go of its handshake once the app accepted or refused it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Writable()  # type: ignore[assignment]

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "request", None) is not None:
            # The protocol's parser keeps the request in its frame for good: empty its headers
            # (the scope has its own copy).
            self.request.headers.clear()
            self.response.headers.clear()
            self.request = self.response = None  # type: ignore[assignment]
