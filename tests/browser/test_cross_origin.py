"""A widget in a real headless Chromium, on a page of another origin than the API's.

The page (widget.html) is served from two local origins, one of them allowed by the assistant.
Its own JavaScript uses `fetch` and a hand-written `graphql-transport-ws` client, so the browser
enforces CORS and sends `Origin` as it would for a customer's site. drive.js (Node, playwright-core,
Debian's chromium) opens the pages; `make browser-deps` installs both. Under CI=true a missing
browser fails the test; elsewhere it skips, saying what is missing.
"""

import asyncio
import json
import os
import shutil
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests import factories
from tests.api import Api

HERE = Path(__file__).resolve().parent
PLAYWRIGHT = HERE.parent.parent / ".browser" / "node_modules" / "playwright-core"
CHROMIUM = Path(os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium"))
RUN_SECONDS = 90.0
"""The whole browser run, launch included; each page's own waits are 5 s."""

START = """mutation($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id } sessionToken } }"""
MESSAGE_COUNT = "query($id: ID!) { conversation(id: $id) { messageCount } }"


def node_or_skip() -> str:
    """The `node` to run drive.js with, once Chromium and playwright-core are there too."""
    node = shutil.which("node")
    missing = [
        what
        for what, there in (
            ("node", node is not None),
            (f"Chromium at {CHROMIUM}", CHROMIUM.exists()),
            (f"playwright-core in {PLAYWRIGHT.parent.parent}", PLAYWRIGHT.exists()),
        )
        if not there
    ]
    if missing or node is None:
        message = f"the browser test needs {', '.join(missing)}: run `make browser-deps`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (with CI=true this fails)")
    return node


@asynccontextmanager
async def page_origins(count: int) -> AsyncIterator[list[str]]:
    """`count` local origins, one port each, all serving widget.html at `/`."""
    page = (HERE / "widget.html").read_text()

    async def widget_page(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    listening = []
    for _ in range(count):
        bound = socket.socket()
        bound.bind(("127.0.0.1", 0))
        listening.append(bound)
    app = Starlette(routes=[Route("/", widget_page)])
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=listening))
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 (uvicorn offers a flag, not an event)
                await asyncio.sleep(0.01)
        yield [f"http://127.0.0.1:{bound.getsockname()[1]}" for bound in listening]
    finally:
        server.should_exit = True
        await task
        for bound in listening:
            bound.close()


async def run_driver(
    node: str, script: str, job: dict[str, Any], seconds: float = RUN_SECONDS
) -> Any:
    """What a Node driver in this folder printed as JSON for `job` (with where playwright-core
    and Chromium are), within `seconds`."""
    job = {"playwright": str(PLAYWRIGHT), "chromium": str(CHROMIUM), **job}
    process = await asyncio.create_subprocess_exec(
        node,
        str(HERE / script),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(json.dumps(job).encode()), seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"the browser run took over {seconds} s") from None
    assert process.returncode == 0, err.decode()
    return json.loads(out)


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
