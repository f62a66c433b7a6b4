"""A small keep-alive HTTP/1.1 client for GraphQL POSTs: the writer's pace must not depend on a
heavy client library (httpx tops out near 400 requests/s here)."""

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class GraphQLError(Exception):
    """The answer carried GraphQL errors."""


class Connection:
    """One keep-alive connection; one request at a time."""

    def __init__(self, url: str, key: str) -> None:
        parts = urlsplit(url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._path = parts.path or "/graphql"
        self._key = key
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        return self._reader, self._writer

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The `data` of the answer; GraphQLError when it has errors."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        head = (
            f"POST {self._path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
            f"Authorization: Bearer {self._key}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        reader, writer = await self._open()
        writer.write(head + body)
        await writer.drain()
        status = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        answer = json.loads(await reader.readexactly(length)) if length else {}
        if not status.split(b" ", 2)[1].startswith(b"2") or answer.get("errors"):
            raise GraphQLError(f"{status.decode().strip()}: {answer}")
        return answer["data"]

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
