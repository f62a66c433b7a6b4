"""The embedded widget wears its assistant's colour and speaks its language, on a page whose
Content-Security-Policy allows no inline style; and a visitor whose message nobody answers is told
so politely, never left with a typing indicator: an engine of one's own that has not answered
(a notice once `data-reply-notice-seconds` pass), an assistant with a model that no engine runs
for (a notice that it cannot answer now), and one whose engine has no provider (its reply fails
at once, saying so). look_drive.js drives Chromium."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.chromium import node_or_skip, run_driver
from tests.support.engine import engine_running
from tests.support.model_server import model_server
from tests.support.servers import in_process, port_of

PAGE = """<!doctype html><meta charset="utf-8"><title>A shop</title><link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {api};
  style-src {api}; connect-src {api} {socket}; img-src data:">
<p>Welcome to the shop.</p>
<script src="{api}/widget.js" data-key="{key}" {extra} async></script>"""
REPLY = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }"""
LATEST = """{ conversations(first: 1) { edges { node { id } } } }"""
GREEN = "#0b6e4f"


async def _widget_key(workspace_id: int, **fields: Any) -> str:
    bot = await factories.assistant(workspace_id, "Hilfe", **fields)
    _, key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    return key


@asynccontextmanager
async def shop(api: Api, server_url: str, secret: str, keys: dict[str, str]) -> AsyncIterator[str]:
    """A customer's origin: a page per widget key (`/<name>`, the notice after a second), and
    `/control/reply`, which records the workspace's engine's answer to its latest chat."""
    origin = f"http://{server_url}"

    async def page(request: Request) -> HTMLResponse:
        name = request.path_params["name"]
        extra = "" if name == "default-wait" else 'data-reply-notice-seconds="1"'
        html = PAGE.format(api=origin, socket=f"ws://{server_url}", key=keys[name], extra=extra)
        return HTMLResponse(html)

    async def reply(request: Request) -> Response:
        latest = await api(LATEST, key=secret)
        conversation = latest.data["conversations"]["edges"][0]["node"]["id"]
        given = {
            "conversationId": conversation,
            "clientMessageId": "own-engine-1",
            "role": "ASSISTANT",
            "content": request.query_params["text"],
        }
        answer = await api(REPLY, {"input": given}, key=secret)
        assert answer.codes == [], answer.codes
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/control/reply", reply, methods=["POST"]), Route("/{name}", page)]
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    async with in_process(config) as server:
        yield f"http://127.0.0.1:{port_of(server)}"


def _clean(seen: list[dict[str, Any]]) -> None:
    for visit in seen:
        assert "error" not in visit, json.dumps(seen, indent=1)
        assert visit["console"] == [], visit["console"]  # no CSP refusal, no page error


async def test_the_widget_wears_its_colour_speaks_its_language_and_says_when_none_answers(
    api: Api, server_url: str
) -> None:
    node = node_or_skip()
    workspace_id, secret = await factories.workspace()
    keys = {
        "german": await _widget_key(workspace_id, widget_color=GREEN, language="de"),
        "unanswered": await _widget_key(workspace_id, model="gpt-4o-mini"),
    }
    async with shop(api, server_url, secret, keys) as origin:
        german, unanswered = await run_driver(
            node,
            "look_drive.js",
            {
                "base": f"http://{server_url}",
                "visits": [
                    {
                        # The assistant's language wins over the browser's.
                        "page": f"{origin}/german",
                        "locale": "fr-FR",
                        "connected": "Verbunden",
                        "reply": "Guten Tag! Wie kann ich helfen?",
                        "control": f"{origin}/control",
                        "contrastOf": [GREEN, "#ffd60a", "#6e56cf", "#ffffff", "#000000"],
                    },
                    # No engine runs for an assistant with a model; the browser speaks Spanish.
                    {"page": f"{origin}/unanswered", "locale": "es-ES", "connected": "Conectado"},
                ],
            },
        )
    _clean([german, unanswered])

    closed = german["closed"]
    assert (closed["lang"], closed["panelLang"]) == ("de", "de")
    assert closed["launcherLabel"] == "Chat öffnen"
    assert closed["launcher"] == {"background": "rgb(11, 110, 79)", "color": "rgb(255, 255, 255)"}
    assert closed["header"] == closed["launcher"]
    assert closed["submit"] == "Chat beginnen"
    watched = german["watched"]
    assert watched["send"] == "Senden"
    assert watched["bubble"] == closed["launcher"]  # the visitor's own messages, readable
    assert watched["waiting"] == (
        "Noch hat niemand geantwortet — Ihre Nachricht bleibt hier für Sie."
    )
    assert 900 <= watched["afterMs"] < 5000, watched["afterMs"]  # data-reply-notice-seconds="1"
    assert not watched["typingSeen"]  # nothing is being written: no typing indicator
    answered = german["answered"]
    assert answered["waiting"] is None  # the answer came: the notice is gone
    assert answered["replies"][-1]["text"] == "Guten Tag! Wie kann ich helfen?"
    # White on the green, dark on a yellow, white on the widget's own violet.
    assert german["textOn"] == ["#ffffff", "#1c1b22", "#ffffff", "#1c1b22", "#ffffff"]

    looked = unanswered["closed"]
    assert looked["lang"] == "es-ES"
    assert looked["launcherLabel"] == "Abrir el chat"
    assert looked["launcher"] == {"background": "rgb(110, 86, 207)", "color": "rgb(255, 255, 255)"}
    watched = unanswered["watched"]
    assert watched["waiting"] == (
        "Este asistente no puede responder ahora — guardamos su mensaje aquí."
    )
    assert not watched["typingSeen"]
    assert watched["replies"] == []


async def test_an_engine_with_no_provider_tells_the_visitor_at_once(
    api: Api, app: Starlette, settings: Settings, server_url: str
) -> None:
    """No OPENAI_BASE_URL, no OPENAI_API_KEY: the reply fails at once (the notice's 20 s are
    never reached), in the browser's English."""
    node = node_or_skip()
    workspace_id, secret = await factories.workspace()
    keys = {"default-wait": await _widget_key(workspace_id, model="gpt-4o-mini")}
    async with (
        model_server() as provider,
        engine_running(app, settings, provider, base_url=None, api_key=None),
        shop(api, server_url, secret, keys) as origin,
    ):
        [seen] = await run_driver(
            node,
            "look_drive.js",
            {
                "base": f"http://{server_url}",
                "visits": [
                    {"page": f"{origin}/default-wait", "locale": "en-US", "connected": "Connected"}
                ],
            },
        )
    _clean([seen])
    assert seen["closed"]["lang"] == "en-US"
    watched = seen["watched"]
    assert watched["replies"] == [
        {"text": "", "state": "FAILED", "note": "The assistant could not answer."}
    ]
    assert watched["afterMs"] < 5000, watched["afterMs"]
    assert (watched["typing"], watched["waiting"]) == (False, None)
    assert provider.requests == []  # nobody was asked
