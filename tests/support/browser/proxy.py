"""A TCP proxy in front of the test server that a test can cut and restore, or make lose one
answer, so a browser sees its connections dropped, refused and reset as on a real network
failure (no mocks of the browser's sockets)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class CuttableProxy:
    """Pipes every connection to `target` ("host:port"); `cut()` drops the open ones and
    refuses new ones until `restore()`."""

    def __init__(self, target: str) -> None:
        host, port = target.rsplit(":", 1)
        self.target = (host, int(port))
        self.refusing = False
        self.lose_next_answer = False
        """The next POST goes through, and its answer is lost: the connection is reset."""
        self.open: set[asyncio.StreamWriter] = set()

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        doomed: list[bool],
        *,
        upstream: bool,
    ) -> None:
        """Copies one direction; a doomed connection's first answer is lost with its socket."""
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await reader.read(65536):
                if upstream and self.lose_next_answer and chunk.startswith(b"POST "):
                    self.lose_next_answer = False
                    doomed[0] = True
                elif not upstream and doomed[0]:
                    writer.transport.abort()
                    return
                writer.write(chunk)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        try:
            upstream_reader, upstream = await asyncio.wait_for(
                asyncio.open_connection(*self.target), 5
            )
        except (OSError, TimeoutError):
            writer.close()
            return
        self.open.update((writer, upstream))
        doomed = [False]
        try:
            await asyncio.gather(
                self._pipe(reader, upstream, doomed, upstream=True),
                self._pipe(upstream_reader, writer, doomed, upstream=False),
            )
        finally:
            self.open.difference_update((writer, upstream))
            writer.close()
            upstream.close()

    def cut(self) -> None:
        self.refusing = True
        for writer in list(self.open):
            writer.transport.abort()  # a reset, as when a network goes away
        self.open.clear()

    def restore(self) -> None:
        self.refusing = False


@asynccontextmanager
async def cuttable_proxy(target: str) -> AsyncIterator[tuple[CuttableProxy, str]]:
    """The proxy and its "host:port"."""
    proxy = CuttableProxy(target)
    server = await asyncio.start_server(proxy._serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield proxy, f"127.0.0.1:{port}"
    finally:
        proxy.cut()
        server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 5)
