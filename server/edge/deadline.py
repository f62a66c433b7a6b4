"""A whole-request deadline: work still running when it passes is cancelled, and the client
gets a GraphQL error with code TIMEOUT (504) instead of waiting on a stuck request.

Statements have their own, shorter bound in PostgreSQL (`statement_timeout`), which ends a slow
query inside the database as well; this one bounds everything else a request may wait on.
"""

import asyncio
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.policy.metrics import REFUSED
from server.edge.refusal import refuse

logger = logging.getLogger("parley.deadline")


class RequestDeadline:
    """`streams` are paths that answer for longer by design (an export of a million records);
    they bound themselves: every statement has its timeout, and every write its own
    (server/export.py)."""

    def __init__(self, app: ASGIApp, seconds: float, streams: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.seconds = seconds
        self.streams = streams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0 or scope["path"] in self.streams:
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        deadline = asyncio.timeout(self.seconds)
        try:
            async with deadline:
                await self.app(scope, receive, watched)
        except TimeoutError:
            if not deadline.expired():
                raise
            logger.warning("request to %s cancelled after %g s", scope.get("path"), self.seconds)
            REFUSED.labels("request_timeout").inc()
            if not started:
                await refuse(
                    send, 504, "TIMEOUT", f"The request took longer than {self.seconds:g} s."
                )
