"""A real webhook receiver on loopback for tests: uvicorn serving a tiny Starlette app that keeps
every request it got and answers each as its schedule says (a status with headers, or silence
for a while: a timeout)."""

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.servers import in_process


@dataclass(frozen=True)
class Answer:
    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0
    """Wait this long before answering (past the sender's timeout, it gives up first)."""
    body: bytes = b""


@dataclass(frozen=True)
class Received:
    number: int
    """1, 2, 3 … in arrival order."""
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int
    at: float

    @property
    def payload(self) -> Any:
        return orjson.loads(self.body)

    def verified(self, secret: str) -> Any:
        """The body, as the `standardwebhooks` package verifies it for a receiver (raises
        WebhookVerificationError when the signature does not match)."""
        return Webhook(secret).verify(self.body, self.headers)


Schedule = Callable[[int, Request], Answer]


class Receiver:
    def __init__(self, schedule: Schedule | None = None) -> None:
        self.schedule: Schedule = schedule or (lambda _number, _request: Answer())
        self.received: list[Received] = []
        self.url = ""
        self._arrived = asyncio.Condition()

    async def endpoint(self, request: Request) -> Response:
        number = len(self.received) + 1
        body = await request.body()
        answer = self.schedule(number, request)
        self.received.append(
            Received(
                number,
                request.url.path,
                dict(request.headers),
                body,
                answer.status,
                time.monotonic(),
            )
        )
        async with self._arrived:
            self._arrived.notify_all()
        if answer.hang_seconds:
            await asyncio.sleep(answer.hang_seconds)
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    def delivered(self) -> list[Received]:
        """Requests it answered with a 2xx."""
        return [each for each in self.received if 200 <= each.answered < 300]

    async def wait_for(self, done: Callable[["Receiver"], bool], seconds: float = 10.0) -> None:
        """Until `done(self)` holds; AssertionError after `seconds`."""
        try:
            async with asyncio.timeout(seconds):
                async with self._arrived:
                    await self._arrived.wait_for(lambda: done(self))
        except TimeoutError:
            raise AssertionError(
                f"receiver: not done after {seconds} s ({len(self.received)} requests)"
            ) from None


@asynccontextmanager
async def receiving(schedule: Schedule | None = None) -> AsyncIterator[Receiver]:
    """A receiver listening on 127.0.0.1 at `receiver.url` (any path is accepted)."""
    receiver = Receiver(schedule)
    app = Starlette(routes=[Route("/{path:path}", receiver.endpoint, methods=["POST"])])
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=1)
    try:
        async with in_process(config, [listening]):
            receiver.url = f"http://127.0.0.1:{listening.getsockname()[1]}/hooks"
            yield receiver
    finally:
        listening.close()
