"""A visitor in the embedded widget, on a page of another origin, answered by the built-in engine:
the reply's text grows on screen as the model writes it, with a typing indicator until it ends,
recorded with its usage and cost; a reply the model could not write says so, and the visitor's
"Try again" brings one. The model is a provider on loopback speaking Chat Completions
(tests/support/model_server.py); streaming_drive.js drives Chromium."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from itertools import pairwise

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from models import Message
from models.enums import ApiKeyKind, MessageRole, MessageState
from resolvers.apikey import create_api_key
from server.settings import Settings
from tests.support import factories
from tests.support.browser.chromium import node_or_skip, run_driver
from tests.support.engine import engine_running
from tests.support.model_server import Answer, Failure, model_server
from tests.support.servers import in_process, port_of

pytestmark = pytest.mark.both_databases
"""#20 asks for the streamed reply of a configured model in browser tests on both databases."""

PAGE = """<!doctype html><meta charset="utf-8"><title>A shop</title><link rel="icon" href="data:,">
<p>Welcome to the shop.</p>
<script src="http://{api}/widget.js" data-key="{key}" async></script>"""
PIECES = ["Your ", "order ", "left ", "our ", "warehouse ", "today."]


@asynccontextmanager
async def shop(page: str) -> AsyncIterator[str]:
    """A customer's page on an origin of its own."""
    app = Starlette(routes=[Route("/", lambda _request: HTMLResponse(page))])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
    async with in_process(config) as server:
        yield f"http://127.0.0.1:{port_of(server)}/"


async def test_the_widget_shows_a_reply_growing_and_a_failed_one_it_can_ask_again_for(
    app: Starlette, settings: Settings, server_url: str
) -> None:
    node = node_or_skip()
    workspace_id, _ = await factories.workspace()
    bot = await factories.assistant(workspace_id, "Shop Support", model="gpt-4o-mini")
    _, key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    async with (
        model_server() as provider,
        engine_running(app, settings, provider),
        shop(PAGE.format(api=server_url, key=key)) as page,
    ):
        provider.expect(
            Answer(PIECES, prompt_tokens=30, completion_tokens=6, delay=0.15),
            Failure(500),  # the second message: the first try and both retries fail
            Failure(500),
            Failure(500),
            Answer(["It arrives ", "on Friday."]),  # asked again
            Answer(["Of course: ", "anything ", "else?"], delay=0.3),  # with the panel closed
        )
        seen = await run_driver(node, "streaming_drive.js", {"page": page})
    assert "error" not in seen, json.dumps(seen, indent=1)
    assert not [line for line in seen["console"] if line.startswith("pageerror")], seen["console"]

    streamed = seen["streamed"]
    texts = [view["text"] for view in streamed]
    assert len(set(texts)) >= 4, streamed  # the visitor saw the text grow, piece by piece
    assert all(later.startswith(earlier) for earlier, later in pairwise(texts))
    assert all(view["typing"] for view in streamed if view["state"] == "STREAMING")
    assert streamed[-1] == {
        "text": "".join(PIECES),
        "state": "COMPLETE",
        "typing": False,
        "note": None,
        "retry": False,
    }
    failed = seen["failed"][-1]
    assert (failed["state"], failed["note"], failed["retry"]) == (
        "FAILED",
        "The assistant could not answer.",
        True,
    )
    assert seen["retried"][-1]["text"] == "It arrives on Friday."
    assert seen["retried"][-1]["state"] == "COMPLETE"
    assert seen["unread"] == "Open chat (new message)"  # the launcher, while the panel was closed
    assert seen["read"] == "Close chat"  # opened: read

    # Recorded once each, with the provider's usage priced from the table.
    replies = await Message.filter(role=MessageRole.ASSISTANT).order_by("sequence")
    assert [reply.state for reply in replies][:3] == [
        MessageState.COMPLETE,
        MessageState.FAILED,
        MessageState.COMPLETE,
    ]
    assert (replies[0].input_tokens, replies[0].output_tokens) == (30, 6)
    assert replies[0].cost == Decimal("0.0000081")  # 30 × $0.15/M + 6 × $0.60/M
