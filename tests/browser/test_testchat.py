"""The dashboard's Test Chat in a real headless Chromium: a builder chooses an assistant, fills in
its pre-chat form (the server's error shown at the field first), chats, and sees the built-in
engine's reply stream in with a typing indicator, then its tokens and exact cost; the conversation
is recorded as TEST. The model is a provider on loopback speaking Chat Completions."""

import pytest
from starlette.applications import Starlette

from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.dashboard_driver import chromium
from tests.support.browser.dashboard_views import sign_in
from tests.support.engine import engine_running
from tests.support.model_server import Answer, model_server

pytestmark = pytest.mark.both_databases
"""#20 asks for the streamed reply of a configured model in browser tests on both databases."""

PIECES = ["Hello ", "builder, ", "how ", "can ", "I ", "help ", "today?"]
REPLY = """() => {
  const reply = document.querySelector('.testchat-log .message.role-assistant');
  return reply && {
    text: reply.querySelector('.text').textContent,
    state: reply.dataset.state,
    typing: !reply.querySelector('.typing').hidden,
    usage: reply.querySelector('.reply-usage').hidden
      ? null : reply.querySelector('.reply-usage').textContent,
  };
}"""
STREAMING_WITH_TEXT = (
    f"() => {{ const r = ({REPLY})(); return r && r.state === 'STREAMING' && r.text && r; }}"
)
DONE = f"() => {{ const r = ({REPLY})(); return r && r.usage && r; }}"
FIELD_ERROR = """() => {
  const e = document.querySelector('.testchat-form .field-error:not([hidden])');
  return e && e.textContent; }"""
LATEST = "{ conversations(first: 1) { edges { node { type messageCount usage { cost } } } } }"


async def test_a_builder_tries_an_assistant_in_the_test_chat(
    api: Api, app: Starlette, settings: Settings, server_url: str
) -> None:
    workspace_id, secret = await factories.workspace()
    await factories.assistant(
        workspace_id,
        "Shop Support",
        model="gpt-4o-mini",
        pre_chat_form=[{"name": "email", "label": "Email", "type": "EMAIL", "required": True}],
    )
    async with (
        model_server() as provider,
        engine_running(app, settings, provider),
        chromium() as browser,
    ):
        provider.expect(Answer(PIECES, prompt_tokens=40, completion_tokens=4, delay=0.15))
        await browser("page", name="tc", width=1280, height=900)
        await sign_in(browser, "tc", f"http://{server_url}/dashboard", secret)
        await browser("goto", "tc", url=f"http://{server_url}/dashboard?page=testchat")
        await browser.wait("tc", "() => document.querySelector('#testchat-field-email')")
        await browser("click", "tc", selector=".testchat-form button[type=submit]")
        required = await browser.wait("tc", FIELD_ERROR)
        await browser("fill", "tc", selector="#testchat-field-email", value="builder@shop.example")
        await browser("click", "tc", selector=".testchat-form button[type=submit]")
        await browser.wait("tc", "() => document.querySelector('.testchat-compose input')")
        await browser("fill", "tc", selector=".testchat-compose input", value="Hello")
        await browser("press", "tc", selector=".testchat-compose input", key="Enter")
        growing = await browser.wait("tc", STREAMING_WITH_TEXT)
        done = await browser.wait("tc", DONE)
    assert required == "is required"
    assert growing["typing"] is True
    final = "".join(PIECES)
    assert final.startswith(growing["text"])
    assert len(growing["text"]) < len(final)  # seen while it was being written
    assert done == {
        "text": final,
        "state": "COMPLETE",
        "typing": False,
        "usage": "40 in · 4 out · $0.0000084",  # gpt-4o-mini at $0.15 / $0.60 per million
    }
    latest = (await api(LATEST, key=secret)).data["conversations"]["edges"][0]["node"]
    assert latest == {"type": "TEST", "messageCount": 2, "usage": {"cost": "0.0000084"}}
