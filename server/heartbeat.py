"""Keep-alive for every websocket of a process from one task, not one per socket.

A socket silent for `ping_interval` seconds gets a `ping`; one that has not spoken within
`pong_timeout` seconds of it is closed with 4504. The task wakes a few times per the shorter of
the two (so each happens within a quarter of it late), runs only while sockets are open (the
last one to close stops it), and never touches the database: thousands of idle sockets cost a
loop over a dict, not thousands of timers and coroutines.
"""

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

TICKS_PER_PERIOD = 4
"""Checks per the shorter of ping interval and pong timeout."""


class Beating(Protocol):
    """What the heartbeat needs of a socket (server/websocket.py's handler provides it)."""

    last_heard: float
    """Loop time the client last sent anything."""

    def ping(self) -> Coroutine[Any, Any, None]: ...

    def close_dead(self) -> Coroutine[Any, Any, None]: ...


class Heartbeat:
    def __init__(self) -> None:
        self._sockets: dict[Beating, float | None] = {}
        """Each open socket, and when it was pinged without answering yet."""
        self._task: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[None]] = set()

    def add(self, socket: Beating, periods: Callable[[], tuple[float, float]]) -> None:
        """Watches `socket`; `periods` gives (ping interval, pong timeout), read at each tick."""
        self._sockets[socket] = None
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run(periods), name="ws-heartbeat")

    def discard(self, socket: Beating) -> None:
        self._sockets.pop(socket, None)
        if not self._sockets and self._task is not None:
            self._task.cancel()  # nothing left to watch: no task lingers
            self._task = None

    def __len__(self) -> int:
        return len(self._sockets)

    async def _run(self, periods: Callable[[], tuple[float, float]]) -> None:
        loop = asyncio.get_running_loop()
        while self._sockets:
            interval, timeout = periods()
            await asyncio.sleep(max(0.01, min(interval, timeout) / TICKS_PER_PERIOD))
            now = loop.time()
            for socket, pinged in list(self._sockets.items()):
                if pinged is not None and socket.last_heard < pinged:
                    if now - pinged >= timeout:  # no answer in time: dead
                        self.discard(socket)
                        self._spawn(socket.close_dead())
                elif now - socket.last_heard >= interval:
                    self._sockets[socket] = now
                    self._spawn(socket.ping())
                elif pinged is not None:
                    self._sockets[socket] = None  # it answered

    def _spawn(self, send: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(send)
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
