"""A minimal in-process GraphQL client that calls the ASGI app directly.

httpx adds more per-request cost than the code under test; this client sends pre-encoded bodies
and reads raw bytes, so what is timed is the app.
"""

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message

_HEADERS = [
    (b"host", b"parley.bench"),
    (b"content-type", b"application/json"),
    (b"accept", b"application/graphql-response+json"),
]


@dataclass(frozen=True)
class Request:
    """A GraphQL request encoded once, so the timed loop does no client-side JSON work."""

    body: bytes

    @classmethod
    def of(cls, query: str, variables: dict[str, Any] | None = None) -> "Request":
        payload = {"query": query, "variables": variables or {}}
        return cls(json.dumps(payload).encode())


class GraphQLClient:
    def __init__(self, app: ASGIApp, key: str | None) -> None:
        self.app = app
        self.headers = list(_HEADERS)
        if key is not None:
            self.headers.append((b"authorization", f"Bearer {key}".encode()))

    async def send(self, request: Request) -> bytes:
        """The response body; raises on any status but 200."""
        status, body = await self._call(request.body)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:500]!r}")
        return body

    async def data(self, request: Request) -> Any:
        """The response's `data`; raises when it carries errors (used to check each case once)."""
        answer = json.loads(await self.send(request))
        if answer.get("errors"):
            raise RuntimeError(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    async def _call(self, body: bytes) -> tuple[int, bytes]:
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [*self.headers, (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("parley.bench", 80),
            "state": {},
        }
        done = asyncio.Event()
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        status = 0
        chunks: list[bytes] = []

        async def receive() -> Message:
            if pending:
                return pending.pop()
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self.app(scope, receive, send)
        return status, b"".join(chunks)
