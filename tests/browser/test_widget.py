"""The embeddable widget (`/widget.js`) in real headless Chromium, on a customer's page of another
origin, used as a visitor would with the keyboard only: the pre-chat form filled wrong (the
server's errors shown at the field) then right, a chat whose replies the engine records through
the API and which appear live, the socket dropped (the widget's `parley.drop()` hook) and the
network to Parley cut and restored (nothing lost or doubled), a reload that continues the
session, the end and the rating, and a phone-sized screen. The conversation is then read back
through the API. widget_drive.js drives the browser; the screenshots are widget.png and
widget-phone.png (into docs/screenshots with `make screenshots`).
"""

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from models.enums import ApiKeyKind, ConversationMode
from resolvers.apikey import create_api_key
from server import pages
from server.commands.seed import PRE_CHAT_FORM as DEMO_FORM
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.chromium import node_or_skip, run_driver
from tests.support.browser.proxy import CuttableProxy, cuttable_proxy
from tests.support.servers import in_process, port_of

RUN_SECONDS = 60.0
FORM = [
    {"name": "email", "label": "Email", "type": "EMAIL", "required": True},
    {"name": "plan", "label": "Your plan", "type": "SELECT", "options": ["Free", "Pro"]},
]
HOST_PAGE = """<!doctype html><meta charset="utf-8"><title>A shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>/* a host page's careless rules, which must not reach the widget */
* {{ color: rgb(0, 128, 0) !important; font-family: monospace !important; }}
button {{ background: rgb(255, 0, 0) !important; font-size: 30px !important; }}
.launcher, .panel, .message {{ display: none !important; }}</style>
<p>Welcome to the shop.</p><button id="host-button" type="button">Buy</button>
<script src="http://{api}/widget.js" data-key="{key}" async></script>"""
REPLY = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { message { sequence } } }"""
LATEST = """{ conversations(first: 1) { edges { node { id } } } }"""
OLDEST_FIRST = """{ conversations(orderBy: {field: STARTED_AT, direction: ASC}) {
  edges { node { id } } } }"""
RECORD = """query($id: ID!) { conversation(id: $id) { status mode rating { score comment }
  variables { name value source } messages { edges { node { sequence role content } } } } }"""


@asynccontextmanager
async def customer_site(
    api: Api, secret: str, page: str, proxy: CuttableProxy
) -> AsyncIterator[str]:
    """The customer's origin: its page at `/`, and the test's controls that the driver calls."""
    replies = 0

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    async def reply(request: Request) -> Response:
        nonlocal replies
        replies += 1
        latest = await api(LATEST, key=secret)
        conversation = latest.data["conversations"]["edges"][0]["node"]["id"]
        given = {
            "conversationId": conversation,
            "clientMessageId": f"engine-{replies}",
            "role": "ASSISTANT",
            "content": request.query_params["text"],
        }
        answer = await api(REPLY, {"input": given}, key=secret)
        assert answer.codes == [], answer.codes
        return PlainTextResponse("ok")

    async def cut(request: Request) -> Response:
        proxy.cut()
        return PlainTextResponse("ok")

    async def lose_answer(request: Request) -> Response:
        proxy.lose_next_answer = True
        return PlainTextResponse("ok")

    async def restore(request: Request) -> Response:
        proxy.restore()
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/control/reply", reply, methods=["POST"]),
            Route("/control/cut", cut, methods=["POST"]),
            Route("/control/restore", restore, methods=["POST"]),
            Route("/control/lose-answer", lose_answer, methods=["POST"]),
        ]
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    async with in_process(config) as server:
        yield f"http://127.0.0.1:{port_of(server)}"


async def drive(node: str, job: dict[str, Any]) -> dict[str, Any]:
    """What the visitor saw, step by step (widget_drive.js)."""
    seen: dict[str, Any] = await run_driver(node, "widget_drive.js", job, RUN_SECONDS)
    return seen


async def test_a_visitor_chats_through_the_embedded_widget(
    api: Api,
    server_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    screenshots: Path,
) -> None:
    node = node_or_skip()
    began = time.monotonic()
    workspace_id, secret = await factories.workspace()
    # /widget/demo as `make run` serves it: the demo assistant's widget key, its origin allowed.
    demo_bot = await factories.assistant(
        workspace_id,
        "Acme Support",
        pre_chat_form=DEMO_FORM,
        allowed_origins=[f"http://{server_url}"],
    )
    _, demo_key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=demo_bot.id
    )
    (tmp_path / "demo-widget-key").write_text(demo_key)
    monkeypatch.setattr(pages, "DEMO_WIDGET_KEY_FILE", tmp_path / "demo-widget-key")
    async with cuttable_proxy(server_url) as (proxy, parley):
        # The assistant allows the customer's origin only; its port is known once it listens.
        bot = await factories.assistant(
            workspace_id,
            "Shop Support",
            pre_chat_form=FORM,
            widget_mode=ConversationMode.VOICE_AND_CHAT,
        )
        _, key = await create_api_key(
            workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
        )
        page = HOST_PAGE.format(api=parley, key=key)
        async with customer_site(api, secret, page, proxy) as shop:
            bot.allowed_origins = [shop]
            await bot.save(update_fields=["allowed_origins"])
            seen = await drive(node, {"page": f"{shop}/", "control": shop,
                                      "demo": f"http://{server_url}/widget/demo",
                                      "screenshots": str(screenshots)})  # fmt: skip
        answer_lost = not proxy.lose_next_answer
    print(f"widget browser run: {time.monotonic() - began:.1f} s")
    assert "error" not in seen, json.dumps(seen, indent=1)
    assert not [line for line in seen["console"] if line.startswith("pageerror")], seen["console"]

    # The host's rules reach neither the widget nor are changed by it.
    assert seen["host"] == {
        "launcherBackground": "rgb(110, 86, 207)",
        "launcherVisible": True,
        "hostButtonBackground": "rgb(255, 0, 0)",
        "hostButtonFont": "30px",
        "hostTextColor": "rgb(0, 128, 0)",
    }
    assert seen["opened"] == {
        "expanded": "true",
        "label": "Shop Support",
        "fields": ["Email *", "Your plan", "Chat", "Voice & chat"],
        "focused": "email",
    }
    wrong = seen["wrong"]
    assert wrong["errors"] == ["Email must be an email address."]
    assert wrong["describedBy"] == "Email must be an email address."
    assert (wrong["invalid"], wrong["focused"]) == ("true", "email")

    you, bot_name = "You", "Shop Support"
    first_two = [[you, "Hello, where is my order?"], [bot_name, "It left our warehouse today."]]
    assert seen["chatted"]["messages"] == first_two
    assert seen["chatted"]["status"] == "Connected"
    # The socket dropped while a reply was recorded: it arrives once, after the reconnection.
    first_three = [*first_two, [bot_name, "Still here after a blip."]]
    assert seen["dropped"]["messages"] == first_three
    assert seen["cut"] == "Reconnecting…"
    # Each message once, in order (text stays text: the reply's markup is shown, not applied):
    # the reply written while the socket was down, then the visitor's message that was retried
    # until the network came back.
    all_five = [
        *first_three,
        [bot_name, "Yes: it arrives on <b>Friday</b>."],
        [you, "Are you still there?"],
    ]
    assert seen["restored"]["messages"] == all_five
    assert seen["restored"]["errors"] == []
    assert seen["reloaded"]["messages"] == all_five
    # Its answer lost on the way back, a message is sent again with its clientMessageId: once.
    assert seen["retried"]["messages"] == [
        *all_five,
        [bot_name, "Anything else?"],
        [you, "No, thanks!"],
    ]
    assert seen["retried"]["errors"] == []
    assert answer_lost  # the proxy reset the connection before the answer, so it was sent again
    assert seen["ended"]["status"] == "This chat has ended."
    assert seen["rated"] == "Thank you for your feedback!"
    assert seen["newChat"] == "Start chat"  # the form again, for a new conversation
    assert seen["closed"] == {"expanded": "false", "hidden": True}
    assert seen["afterEnd"] == "form"
    assert seen["phone"] == {"width": 390, "height": 844, "x": 0, "y": 0}
    assert seen["phoneChat"]["messages"] == [
        [you, "Hi from my phone"],
        [bot_name, "Hello! How can I help?"],
    ]
    assert seen["demo"] == {
        "title": "Acme Support",
        "fields": ["Your name *", "Email *", "Your plan"],
        "problems": [],
    }
    assert (screenshots / "widget.png").stat().st_size > 0
    assert (screenshots / "widget-phone.png").stat().st_size > 0

    # What was recorded, read back through the API: nothing doubled, each chat's mode kept.
    listed = await api(OLDEST_FIRST, key=secret)
    conversations = [edge["node"]["id"] for edge in listed.data["conversations"]["edges"]]
    assert len(conversations) == 2
    phone = (await api(RECORD, {"id": conversations[1]}, key=secret)).data["conversation"]
    assert (phone["status"], phone["mode"], len(phone["messages"]["edges"])) == (
        "ACTIVE",
        "VOICE_AND_CHAT",
        2,
    )
    record = (await api(RECORD, {"id": conversations[0]}, key=secret)).data["conversation"]
    assert record["status"] == "ENDED"
    assert record["mode"] == "CHAT"
    assert record["rating"] == {"score": 4, "comment": "Quick and kind."}
    assert record["variables"] == [
        {"name": "email", "value": "ada@example.com", "source": "PRE_CHAT_FORM"}
    ]
    assert [
        (edge["node"]["sequence"], edge["node"]["role"], edge["node"]["content"])
        for edge in record["messages"]["edges"]
    ] == [
        (1, "USER", "Hello, where is my order?"),
        (2, "ASSISTANT", "It left our warehouse today."),
        (3, "ASSISTANT", "Still here after a blip."),
        (4, "ASSISTANT", "Yes: it arrives on <b>Friday</b>."),
        (5, "USER", "Are you still there?"),
        (6, "ASSISTANT", "Anything else?"),
        (7, "USER", "No, thanks!"),
    ]
