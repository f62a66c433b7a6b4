"""This process's authenticated websockets, so that a revoked key closes its sockets at once and a
session token's sockets close when it expires, not at their next message.

Revocations reach every process (resolvers/apikey.py announces them, the broker relays other
processes' through LISTEN/NOTIFY); each process closes its own sockets with 4403.
"""

import asyncio
import logging
from datetime import UTC, datetime
from typing import Protocol

from resolvers.callers.caller import Caller
from server.heartbeat import Heartbeat
from subscriptions.closecodes import FORBIDDEN

logger = logging.getLogger("parley.websocket")

REVOKED = "The key was revoked"
EXPIRED = "The session token expired"


class Socket(Protocol):
    """What the registry needs of a socket's context (server/context.py provides it)."""

    principal: Caller | None

    def close_socket(self, code: int, reason: str) -> None: ...

    async def still_authorized(self) -> bool: ...


class OpenSockets:
    def __init__(self) -> None:
        self._sockets: dict[int, Socket] = {}
        self._expiries: dict[int, asyncio.TimerHandle] = {}
        self._checks: set[asyncio.Task[None]] = set()
        self.revocations = 0
        """Revocations announced so far (a socket's remembered authorization predates any
        newer one: server/context.py)."""
        self.heartbeat = Heartbeat()
        """Pings every accepted socket of the process, authenticated or not yet."""

    def add(self, socket: Socket) -> None:
        self._sockets[id(socket)] = socket
        principal = socket.principal
        if principal is not None and principal.expires_at is not None:
            delay = (principal.expires_at - datetime.now(UTC)).total_seconds()
            loop = asyncio.get_running_loop()
            self._expiries[id(socket)] = loop.call_later(
                max(delay, 0.0), socket.close_socket, FORBIDDEN, EXPIRED
            )

    def discard(self, socket: Socket) -> None:
        self._sockets.pop(id(socket), None)
        timer = self._expiries.pop(id(socket), None)
        if timer is not None:
            timer.cancel()

    def revoked(self, key_id: int | None) -> None:
        """Closes the sockets of a revoked key; with None (revocations may have been missed)
        every socket checks its token again."""
        self.revocations += 1
        for socket in list(self._sockets.values()):
            principal = socket.principal
            if key_id is None:
                task = asyncio.get_running_loop().create_task(self._recheck(socket))
                self._checks.add(task)
                task.add_done_callback(self._checks.discard)
            elif principal is not None and principal.key_id == key_id:
                socket.close_socket(FORBIDDEN, REVOKED)

    async def _recheck(self, socket: Socket) -> None:
        try:
            if not await socket.still_authorized():
                socket.close_socket(FORBIDDEN, REVOKED)
        except Exception:
            logger.exception("could not recheck a socket's token")

    def __len__(self) -> int:
        return len(self._sockets)
