"""A widget in a real headless Chromium, on a page of another origin than the API's.

The page (widget.html) is served from two local origins, one of them allowed by the assistant.
Its own JavaScript uses `fetch` and a hand-written `graphql-transport-ws` client, so the browser
enforces CORS and sends `Origin` as it would for a customer's site. drive.js (Node, playwright-core,
Debian's chromium) opens the pages; `make browser-deps` installs both. Under CI=true a missing
browser fails the test; elsewhere it skips, saying what is missing.
"""

import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.chromium import DRIVERS, node_or_skip, run_driver
from tests.support.servers import in_process

START = """mutation($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id } sessionToken } }"""
MESSAGE_COUNT = "query($id: ID!) { conversation(id: $id) { messageCount } }"


@asynccontextmanager
async def page_origins(count: int) -> AsyncIterator[list[str]]:
    """`count` local origins, one port each, all serving widget.html at `/`."""
    page = (DRIVERS / "widget.html").read_text()

    async def widget_page(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    listening = []
    for _ in range(count):
        bound = socket.socket()
        bound.bind(("127.0.0.1", 0))
        listening.append(bound)
    app = Starlette(routes=[Route("/", widget_page)])
    try:
        async with in_process(uvicorn.Config(app, lifespan="off", log_level="warning"), listening):
            yield [f"http://127.0.0.1:{bound.getsockname()[1]}" for bound in listening]
    finally:
        for bound in listening:
            bound.close()


async def drive(node: str, visits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What each visit's page function returned (or the error it raised), in order."""
    results: list[dict[str, Any]] = await run_driver(node, "drive.js", {"visits": visits})
    return results


async def test_a_widget_chats_live_from_its_origin_and_is_refused_elsewhere(
    api: Api, server_url: str
) -> None:
    node = node_or_skip()
    began = time.monotonic()
    async with page_origins(2) as (shop, elsewhere):
        workspace_id, secret = await factories.workspace()
        bot = await factories.assistant(workspace_id, allowed_origins=[shop])
        _, widget_key = await create_api_key(
            workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
        )
        assistant = encode_id("Assistant", bot.id)
        # A session token the shop's page was given, which a page elsewhere then tries to use.
        given = await api(
            START, {"input": {"assistantId": assistant}}, key=widget_key, headers={"origin": shop}
        )
        leaked = given.data["startConversation"]
        chat, foreign = await drive(
            node,
            [
                {
                    "url": f"{shop}/",
                    "call": "chat",
                    "args": {"api": server_url, "widgetKey": widget_key, "assistant": assistant},
                },
                {
                    "url": f"{elsewhere}/",
                    "call": "tryForeign",
                    "args": {
                        "api": server_url,
                        "widgetKey": widget_key,
                        "assistant": assistant,
                        "sessionToken": leaked["sessionToken"],
                        "conversation": leaked["conversation"]["id"],
                    },
                },
            ],
        )
    print(f"browser run: {time.monotonic() - began:.1f} s")

    assert "result" in chat, chat
    assert chat["result"] == {
        "started": [],
        "conversation": chat["result"]["conversation"],
        "ack": "connection_ack",
        "sent": [1, 2],
        "received": [[1, "USER", "Hello from the page"], [2, "USER", "Is anyone there?"]],
    }, chat
    assert "result" in foreign, foreign
    assert foreign["result"] == {
        "started": ["FORBIDDEN"],
        "sent": ["FORBIDDEN"],
        "sockets": {"widgetKey": 4403, "sessionToken": 4403},
    }, foreign

    counts = {}
    for conversation in (chat["result"]["conversation"], leaked["conversation"]["id"]):
        found = await api(MESSAGE_COUNT, {"id": conversation}, key=secret)
        counts[conversation] = found.data["conversation"]["messageCount"]
    assert list(counts.values()) == [2, 0]  # the refused page wrote nothing
    assert (await api("{ conversationCount }", key=secret)).data == {"conversationCount": 2}
