"""A customer's origin for browser tests: another site that embeds the widget."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.support.servers import in_process, port_of


@asynccontextmanager
async def shop(page: list[str]) -> AsyncIterator[str]:
    """A customer's origin serving `page[0]` at `/`."""

    async def home(_: Request) -> HTMLResponse:
        return HTMLResponse(page[0])

    config = uvicorn.Config(
        Starlette(routes=[Route("/", home)]),
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
    )
    async with in_process(config) as server:
        yield f"http://127.0.0.1:{port_of(server)}"
