"""The whole path in one headless Chromium: a visitor chats through the real embedded widget on a
customer's page (another origin), while a support lead's dashboard, open in a second page, sees
the badge rise, the conversation arrive at the top of the list and its messages counted, live.
"""

from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.dashboard_driver import chromium
from tests.support.browser.dashboard_views import BADGE_IS, TOP_IS, sign_in
from tests.support.browser.shop import shop

SHOP_PAGE = """<!doctype html><meta charset="utf-8"><title>A shop</title>
<link rel="icon" href="data:,"><p>Welcome to the shop.</p>
<script src="http://{api}/widget.js" data-key="{key}" async></script>"""
IN_WIDGET = "document.querySelector('parley-widget')?.shadowRoot"
FIELD_ERROR = f"() => {IN_WIDGET}?.querySelector('.prechat p.error:not([hidden])')?.textContent"
CHATTING = f"() => !!{IN_WIDGET}?.querySelector('input[name=message]')"
SHOWN = f"""(text) => [...({IN_WIDGET}?.querySelectorAll('.message .text') || [])]
  .filter((node) => node.textContent === text).length === 1"""
MESSAGES_ARE = """([id, n]) =>
  document.querySelector(`#rows tr[data-id="${id}"] .messages`)?.textContent === n"""
LATEST = "{ conversations(first: 1) { edges { node { id type } } } }"
REPLY = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { message { sequence } } }"""


async def test_a_widget_chat_appears_live_on_the_dashboard(api: Api, server_url: str) -> None:
    workspace_id, secret = await factories.workspace()
    page = [""]
    async with shop(page) as origin, chromium() as browser:
        form = [{"name": "email", "label": "Email", "type": "EMAIL", "required": True}]
        bot = await factories.assistant(
            workspace_id, "Shop Support", pre_chat_form=form, allowed_origins=[origin]
        )
        _, key = await create_api_key(
            workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
        )
        page[0] = SHOP_PAGE.format(api=server_url, key=key)

        await browser("page", name="dashboard", width=1280, height=720)
        await sign_in(browser, "dashboard", f"http://{server_url}/dashboard", secret)
        await browser.wait("dashboard", BADGE_IS, "0")

        await browser("page", name="shop", width=1000, height=760)
        await browser("goto", "shop", url=f"{origin}/")
        await browser("click", "shop", selector=".launcher")  # CSS pierces the open shadow root
        await browser("fill", "shop", selector="input[name=email]", value="not an email")
        await browser("press", "shop", selector="input[name=email]", key="Enter")
        assert "email" in (await browser.wait("shop", FIELD_ERROR)).lower()
        await browser("fill", "shop", selector="input[name=email]", value="ada@example.com")
        await browser("press", "shop", selector="input[name=email]", key="Enter")
        await browser.wait("shop", CHATTING)
        await browser("fill", "shop", selector="input[name=message]", value="Do you ship to Oslo?")
        await browser("press", "shop", selector="input[name=message]", key="Enter")
        await browser.wait("shop", SHOWN, "Do you ship to Oslo?")

        # The dashboard, in its own page, heard all of it without a reload.
        latest = (await api(LATEST, key=secret)).data["conversations"]["edges"][0]["node"]
        assert latest["type"] == "WEB_WIDGET"
        await browser.wait("dashboard", BADGE_IS, "1")
        await browser.wait("dashboard", TOP_IS, latest["id"])
        await browser.wait("dashboard", MESSAGES_ARE, [latest["id"], "1"])

        # The engine answers; the visitor sees it, the dashboard counts it.
        reply = {
            "conversationId": latest["id"],
            "clientMessageId": "engine-1",
            "role": "ASSISTANT",
            "content": "Yes, in three days.",
        }
        assert (await api(REPLY, {"input": reply}, key=secret)).codes == []
        await browser.wait("shop", SHOWN, "Yes, in three days.")
        await browser.wait("dashboard", MESSAGES_ARE, [latest["id"], "2"])
