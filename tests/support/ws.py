"""A small `graphql-transport-ws` client over a real websocket, for tests.

It answers the server's pings like a real client unless told not to, and keeps every message it
receives for the test to read in order.
"""

import asyncio
import json
import socket as sockets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"


class Socket:
    def __init__(self, connection: ClientConnection, answer_pings: bool) -> None:
        self.connection = connection
        self.answer_pings = answer_pings
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.pings = 0
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                message = json.loads(raw)
                if message.get("type") == "ping":
                    self.pings += 1
                    if self.answer_pings:
                        await self.send({"type": "pong"})
                    continue
                await self.messages.put(message)
        except ConnectionClosed:
            pass

    async def stall(self) -> None:
        """Stops reading, like a frozen browser tab: the library's queue fills, then it stops
        reading the socket and the kernel's buffers fill up behind it."""
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)

    def resume(self) -> None:
        self._reader = asyncio.create_task(self._read())

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        """The next message; TimeoutError saying so when none came within `within` s."""
        try:
            return await asyncio.wait_for(self.messages.get(), within)
        except TimeoutError:
            raise TimeoutError(f"no message came on the socket within {within:g} s") from None

    async def init(self, key: str | None) -> dict[str, Any]:
        payload = {"authorization": f"Bearer {key}"} if key is not None else {}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(self, id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": id, "type": "subscribe", "payload": payload})

    async def next(self, id: str, within: float = 5.0) -> dict[str, Any]:
        """The data of the next `next` message, which must be for `id`."""
        message = await self.receive(within)
        assert message.get("id") == id, message
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]
        data: dict[str, Any] = message["payload"]["data"]
        return data

    async def closed(self, within: float = 5.0) -> tuple[int | None, str | None]:
        """Waits for the server to close; the code and reason it gave."""
        try:
            await asyncio.wait_for(self.connection.wait_closed(), within)
        except TimeoutError:
            raise TimeoutError(f"the server did not close the socket within {within:g} s") from None
        return self.connection.close_code, self.connection.close_reason

    async def close(self) -> None:
        await self.connection.close()
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)


@asynccontextmanager
async def open_socket(
    server: str,
    *,
    key: str | None = None,
    answer_pings: bool = True,
    init: bool = True,
    receive_buffer: int | None = None,
) -> AsyncIterator[Socket]:
    """A socket to the real server; initialised with `key` unless `init` is False.

    `receive_buffer` fixes the kernel's buffer for it (no autotuning), to make back-pressure
    arrive after a known amount of data.
    """
    host, _, port = server.partition(":")
    raw = sockets.socket()
    raw.setsockopt(sockets.IPPROTO_TCP, sockets.TCP_NODELAY, 1)
    if receive_buffer is not None:
        raw.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, receive_buffer)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, (host, int(port)))
    url = f"ws://{server}/graphql"
    async with connect(url, sock=raw, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
        socket = Socket(connection, answer_pings)
        try:
            if init:
                ack = await socket.init(key)
                assert ack == {"type": "connection_ack"}, ack
            yield socket
        finally:
            await socket.close()
