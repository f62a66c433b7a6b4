"""A handover from end to end, in one headless Chromium, on both databases: a visitor chats in
the real widget on a shop's page (another origin) with an assistant the built-in engine answers
(a model server on loopback), asks for a person; the agent's dashboard, open in a second page,
sees its Inbox badge rise; the agent takes the conversation over and replies, and the visitor sees
"Ada joined" and Ada's reply under her name, live; the agent hands back, and the assistant
answers the visitor's next message."""

import pytest
from starlette.applications import Starlette

from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from server.settings import Settings
from tests.browser.test_widget_and_dashboard import CHATTING, IN_WIDGET, SHOP_PAGE, SHOWN
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.dashboard_driver import chromium
from tests.support.browser.dashboard_views import READY, sign_in
from tests.support.browser.shop import shop
from tests.support.engine import engine_running
from tests.support.model_server import Answer, model_server

AGENT = "mutation($name: String!) { createAgent(name: $name) { secret } }"
INBOX_BADGE_IS = "(n) => document.querySelector('#inbox-badge').textContent === n"
HANDLING_IS = "(h) => document.querySelector('section.conversation')?.dataset.handling === h"
ROW = "() => document.querySelector('#rows a.visitor')"
NOTE_IS = f"""(kind) => [...({IN_WIDGET}?.querySelectorAll('.message.handover') || [])]
  .map((li) => li.dataset.handover + ':' + li.querySelector('.text').textContent)"""
NOTES_HAVE = f"([n]) => {{ const notes = ({NOTE_IS})(); return notes.length >= n && notes; }}"
AGENT_SAID = f"""() => {{ const li = {IN_WIDGET}?.querySelector('.message.agent');
  return li && [li.querySelector('.who').textContent, li.querySelector('.text').textContent]; }}"""
PERSON_BUTTON = "button.person"
pytestmark = pytest.mark.both_databases


async def test_a_visitor_is_handed_to_an_agent_and_back(
    api: Api, app: Starlette, settings: Settings, server_url: str
) -> None:
    workspace_id, secret = await factories.workspace()
    page = [""]
    async with (
        shop(page) as origin,
        model_server() as provider,
        engine_running(app, settings, provider),
        chromium() as browser,
    ):
        form = [{"name": "email", "label": "Email", "type": "EMAIL", "required": True}]
        bot = await factories.assistant(
            workspace_id,
            "Shop Support",
            pre_chat_form=form,
            allowed_origins=[origin],
            model="gpt-4o-mini",
        )
        _, key = await create_api_key(
            workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
        )
        page[0] = SHOP_PAGE.format(api=server_url, key=key)
        ada = (await api(AGENT, {"name": "Ada"}, key=secret)).data["createAgent"]["secret"]
        provider.expect(
            Answer(["Let me see."]), Answer(["The assistant again: ", "anything else?"])
        )

        await browser("page", name="desk", width=1280, height=900)
        await sign_in(browser, "desk", f"http://{server_url}/dashboard", ada)
        await browser.wait("desk", INBOX_BADGE_IS, "0")

        # The visitor chats, is answered by the model, and asks for a person.
        await browser("page", name="shop", width=1000, height=760)
        await browser("goto", "shop", url=f"{origin}/")
        await browser("click", "shop", selector=".launcher")
        await browser("fill", "shop", selector="input[name=email]", value="grace@example.com")
        await browser("press", "shop", selector="input[name=email]", key="Enter")
        await browser.wait("shop", CHATTING)
        await browser("fill", "shop", selector="input[name=message]", value="My order is late")
        await browser("press", "shop", selector="input[name=message]", key="Enter")
        await browser.wait("shop", SHOWN, "Let me see.")
        await browser("click", "shop", selector=PERSON_BUTTON)

        # The agent's badge rises; she takes it over from the Inbox and replies.
        await browser.wait("desk", INBOX_BADGE_IS, "1")
        await browser("click", "desk", selector="nav a[data-page=inbox]")
        await browser.wait("desk", READY, "section.inbox-page")
        await browser.wait("desk", ROW)
        await browser("click", "desk", selector="#rows a.visitor")
        await browser("click", "desk", selector="#take-over")
        await browser.wait("desk", HANDLING_IS, "AGENT")
        await browser("fill", "desk", selector="#reply-text", value="Hello Grace, I am Ada.")
        await browser("press", "desk", selector="#reply-text", key="Control+Enter")

        # The visitor sees her join and her reply under her name, live.
        assert await browser.wait("shop", AGENT_SAID) == ["Ada", "Hello Grace, I am Ada."]
        notes = await browser.wait("shop", NOTES_HAVE, [2])
        assert notes[:2] == ["REQUESTED:A person was asked for", "TAKEN_OVER:Ada joined"]
        await browser.wait("desk", INBOX_BADGE_IS, "0")

        # She hands back: the visitor is told, and the assistant answers the next message.
        await browser("click", "desk", selector="#hand-back")
        await browser.wait("desk", HANDLING_IS, "ASSISTANT")
        notes = await browser.wait("shop", NOTES_HAVE, [3])
        assert notes[2] == "HANDED_BACK:The assistant is back"
        await browser("fill", "shop", selector="input[name=message]", value="Thanks, one more")
        await browser("press", "shop", selector="input[name=message]", key="Enter")
        await browser.wait("shop", SHOWN, "The assistant again: anything else?")
    assert len(provider.requests) == 2  # nothing was asked of the model while Ada had it
