"""Request bodies are read whole, bounded in size and in time, before anything else runs.

A body larger than the limit is refused with 413 as soon as its `Content-Length` (or, without
one, its running size) says so; a client that trickles its body is cut off with 408 once the
body deadline passes. The app then reads the body from memory, so no handler waits on a client.
A limit of 0 turns its check off; with both off the body is not read here at all.
"""

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.policy.metrics import REFUSED
from server.edge.refusal import refuse


class BodyTooLargeError(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, deadline_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.deadline_seconds = deadline_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.max_bytes <= 0 and self.deadline_seconds <= 0):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if self.max_bytes > 0 and declared is not None and declared > self.max_bytes:
            await self._too_large(send)
            return
        try:
            async with asyncio.timeout(self.deadline_seconds or None):
                body = await self._read(receive)
        except BodyTooLargeError:
            await self._too_large(send)
            return
        except TimeoutError:
            REFUSED.labels("body_timeout").inc()
            await refuse(
                send,
                408,
                "BAD_USER_INPUT",
                f"The request body did not arrive within {self.deadline_seconds:g} s.",
                {"connection": "close"},
            )
            return
        if body is None:
            return  # the client left
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if 0 < self.max_bytes < size:
                raise BodyTooLargeError
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _too_large(self, send: Send) -> None:
        REFUSED.labels("body_size").inc()
        await refuse(
            send,
            413,
            "BAD_USER_INPUT",
            f"The request body is larger than {self.max_bytes:,} bytes.",
            {"connection": "close"},
        )


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, then whatever the client sends next (its disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
