"""Frames a subscription may write itself, once its first one shows there is nothing to execute.

A badge's `conversationCount` is an Int with no selection below it: every frame after the first
is `{"data": {<its key>: <the count>}}`, whatever the count. Executing that selection again for
each of a thousand dashboards (graphql-core's per-event execution, strawberry's result hooks)
cost five times what sending the frame does, so a subscription whose first frame was exactly
that writes the next ones straight to its socket. The first frame always goes the whole way
(validation, limits, arguments, errors), and anything else it carried (errors, another shape)
keeps every later frame on that way too. Its `extensions` (the document's cost) are the
operation's, computed once and the same on every frame, and so are repeated as they were.

The transport (server/websocket.py) sets `current` for each operation it runs and shows it the
first frame it sends.
"""

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

Send = Callable[[Any], Awaitable[bool]]
"""Sends a message of the operation; False once its socket is gone."""


class DirectFrames:
    """One operation's way to its socket, and what its first frame was."""

    __slots__ = ("_extensions", "_first", "_id", "_send")

    def __init__(self, operation_id: str, send: Send) -> None:
        self._id = operation_id
        self._send = send
        self._first: Mapping[str, Any] | None = None
        self._extensions: object = None

    def saw(self, message: Mapping[str, Any]) -> None:
        """The transport shows each frame it sends; only the operation's first `next` counts."""
        if self._first is None and message.get("type") == "next" and message.get("id") == self._id:
            payload = message.get("payload")
            self._first = payload if isinstance(payload, Mapping) else {}
            self._extensions = self._first.get("extensions")

    def plain(self, key: str, value: int) -> bool:
        """Whether the first frame was only `{"data": {key: value}}`, with the operation's
        extensions (its cost: the document's, the same on every frame) if any."""
        first = self._first
        return (
            first is not None
            and first.get("data") == {key: value}
            and first.keys() <= {"data", "extensions"}
        )

    async def send(self, key: str, value: int) -> bool:
        """False once the socket is gone."""
        payload: dict[str, object] = {"data": {key: value}}
        if self._extensions:
            payload["extensions"] = self._extensions
        return await self._send({"id": self._id, "type": "next", "payload": payload})


current: ContextVar[DirectFrames | None] = ContextVar("parley_direct_frames", default=None)
"""The running operation's frames, in the operation's own task; None over HTTP."""
