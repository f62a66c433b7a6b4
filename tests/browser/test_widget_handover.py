"""A visitor asks for a person in the embedded widget, on a page of another origin whose
Content-Security-Policy allows no inline style: the chat says a person is being found (not that
nobody answered), the agent joins and writes with her name, hands back, and the assistant answers
again, each live as it happens; a reload, while waiting and after, draws the same chat; a German
assistant's widget says all of it in German. The test acts as the agent (a key of her own, from
createAgent) and as the assistant's engine (the secret key) through the API. handover_drive.js
drives Chromium."""

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
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.chromium import node_or_skip, run_driver
from tests.support.servers import in_process, port_of

PAGE = """<!doctype html><meta charset="utf-8"><title>A shop</title><link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {api};
  style-src {api}; connect-src {api} {socket}; img-src data:">
<p>Welcome to the shop.</p>
<script src="{api}/widget.js" data-key="{key}" data-reply-notice-seconds="1" async></script>"""
AGENT = """mutation { createAgent(name: "Ada") { secret } }"""
LATEST = """{ conversations(first: 1) { edges { node { id } } } }"""
TAKE = """mutation($id: ID!) { takeOver(conversationId: $id) { handling } }"""
BACK = """mutation($id: ID!) { handBack(conversationId: $id) { handling } }"""
SAY = """mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }"""
RECORD = """query($id: ID!) { conversation(id: $id) { handling
  messages { edges { node { role handover agent { name } } } } } }"""
ADA_SAYS = {"english": "Hi, I am Ada. How can I help?", "german": "Hallo, ich bin Ada."}
REPLY = {"english": "The assistant again: anything else?", "german": "Noch etwas?"}


@asynccontextmanager
async def shop(
    api: Api, server_url: str, secret: str, ada: str, keys: dict[str, str]
) -> AsyncIterator[str]:
    """A customer's origin: a page per widget key (`/<name>`), and the test's controls for the
    latest conversation: `/control/<name>/take` (Ada takes over and writes), `/back` (she hands
    back) and `/reply` (the assistant's engine answers)."""
    origin = f"http://{server_url}"

    async def page(request: Request) -> HTMLResponse:
        key = keys[request.path_params["name"]]
        return HTMLResponse(PAGE.format(api=origin, socket=f"ws://{server_url}", key=key))

    async def act(request: Request) -> Response:
        name, what = request.path_params["name"], request.path_params["what"]
        latest = await api(LATEST, key=secret)
        conversation = latest.data["conversations"]["edges"][0]["node"]["id"]
        said = {"conversationId": conversation, "clientMessageId": f"{name}-{what}"}
        if what == "take":
            answers = [await api(TAKE, {"id": conversation}, key=ada)]
            said |= {"role": "AGENT", "content": ADA_SAYS[name]}
            answers.append(await api(SAY, {"input": said}, key=ada))
        elif what == "back":
            answers = [await api(BACK, {"id": conversation}, key=ada)]
        else:
            said |= {"role": "ASSISTANT", "content": request.query_params["text"]}
            answers = [await api(SAY, {"input": said}, key=secret)]
        problems = [answer.errors for answer in answers if answer.errors]
        return PlainTextResponse(json.dumps(problems), status_code=500 if problems else 200)

    app = Starlette(
        routes=[
            Route("/control/{name}/{what}", act, methods=["POST"]),
            Route("/{name}", page),
        ]
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    async with in_process(config) as server:
        yield f"http://127.0.0.1:{port_of(server)}"


async def _widget_key(workspace_id: int, name: str, **fields: Any) -> str:
    bot = await factories.assistant(workspace_id, name, **fields)
    _, key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    return key


async def test_a_visitor_asks_for_a_person_who_joins_writes_and_hands_back_live(
    api: Api, server_url: str
) -> None:
    node = node_or_skip()
    workspace_id, secret = await factories.workspace()
    ada = (await api(AGENT, key=secret)).data["createAgent"]["secret"]
    keys = {
        "english": await _widget_key(workspace_id, "Shop Support"),
        "german": await _widget_key(workspace_id, "Hilfe", language="de"),
    }
    async with shop(api, server_url, secret, ada, keys) as origin:
        english, german = await run_driver(
            node,
            "handover_drive.js",
            {
                "visits": [
                    {
                        "page": f"{origin}/{name}",
                        "control": f"{origin}/control/{name}",
                        "connected": connected,
                        "reply": REPLY[name],
                    }
                    for name, connected in (("english", "Connected"), ("german", "Verbunden"))
                ]
            },
        )
    for seen in (english, german):
        assert "error" not in seen, json.dumps(seen, indent=1)
        assert seen["console"] == [], seen["console"]  # no CSP refusal, no page error

    asked = ["user", "You", "I would like to talk to someone."]
    assert english["before"] == {
        "transcript": [asked],
        "button": "Talk to a person",
        "finding": None,
        "notice": None,
        "typing": False,
        "centred": True,
    }
    assert english["focusAfterAsking"] == "message"  # the button made way: typing goes on
    # Waiting for a person: the chat says so, and not that nobody answered the next message.
    waited = [asked, ["handover", None, "A person was asked for"], ["user", "You", "Hello?"]]
    assert english["waiting"] == {
        "transcript": waited,
        "button": None,
        "finding": "We're finding a person for you…",
        "notice": None,
        "typing": False,
        "centred": True,
    }
    assert english["waitingReloaded"] == english["waiting"]
    joined = [*waited, ["handover", None, "Ada joined"], ["agent", "Ada", ADA_SAYS["english"]]]
    assert english["joined"] == {
        "transcript": joined,
        "button": None,
        "finding": None,
        "notice": None,
        "typing": False,
        "centred": True,
    }
    back = [*joined, ["handover", None, "The assistant is back"]]
    assert english["back"]["transcript"] == back
    assert english["back"]["button"] == "Talk to a person"
    answered = [*back, ["assistant", "Shop Support", REPLY["english"]]]
    assert english["answered"] == {
        "transcript": answered,
        "button": "Talk to a person",
        "finding": None,
        "notice": None,
        "typing": False,
        "centred": True,
    }
    assert english["reloaded"] == english["answered"]

    # The German assistant's widget: the same moves, in German.
    assert german["before"]["button"] == "Mit einer Person sprechen"
    assert german["waiting"]["finding"] == "Wir suchen eine Person für Sie…"
    assert german["waiting"]["notice"] is None
    assert german["waitingReloaded"] == german["waiting"]
    assert german["reloaded"] == german["answered"]
    assert german["answered"]["transcript"] == [
        ["user", "Sie", "I would like to talk to someone."],
        ["handover", None, "Eine Person wurde angefragt"],
        ["user", "Sie", "Hello?"],
        ["handover", None, "Ada ist dem Chat beigetreten"],
        ["agent", "Ada", ADA_SAYS["german"]],
        ["handover", None, "Der Assistent ist zurück"],
        ["assistant", "Hilfe", REPLY["german"]],
    ]

    # Recorded as the visitor saw it.
    latest = (await api(LATEST, key=secret)).data["conversations"]["edges"][0]["node"]["id"]
    record = (await api(RECORD, {"id": latest}, key=secret)).data["conversation"]
    assert record["handling"] == "ASSISTANT"
    assert [
        (node["role"], node["handover"], (node["agent"] or {}).get("name"))
        for node in (edge["node"] for edge in record["messages"]["edges"])
    ] == [
        ("USER", None, None),
        ("HANDOVER", "REQUESTED", None),
        ("USER", None, None),
        ("HANDOVER", "TAKEN_OVER", "Ada"),
        ("AGENT", None, "Ada"),
        ("HANDOVER", "HANDED_BACK", None),
        ("ASSISTANT", None, None),
    ]
