"""The dashboard's Assistants pages in a real headless Chromium, signed in with a WRITE secret key:
a builder creates an assistant (a pre-chat field, a variable to extract, a model), finds it in
the list, edits it (a refused save first: the server's error shown at the field, nothing
changed), and what the API then answers is what the page shows. A widget key is made; its embed
snippet, copied with the Copy button, is put as it is on a page of another origin, where the widget
shows the assistant's pre-chat form. The key is revoked, and the assistant archived."""

import re
from pathlib import Path
from typing import Any

from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from tests.browser.test_widget_and_dashboard import IN_WIDGET
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.dashboard_driver import Chromium, chromium
from tests.support.browser.dashboard_views import READY, sign_in
from tests.support.browser.shop import shop

SETTINGS = """name widgetMode allowedOrigins
  preChatForm { name label type required options pattern }
  extractedVariables { name type description }
  engine { model provider instructions firstMessage temperature maxReplyTokens }"""
ASSISTANTS = f"{{ assistants {{ id {SETTINGS} }} }}"
KEYS = "{ apiKeys { id kind prefix name assistantId revokedAt } }"
FACE = "query($id: ID!) { widgetAssistant(id: $id) { name } }"
WRITE_NEEDED = "This key may not change assistants or keys: sign in with a secret key with WRITE."
SHOP = """<!doctype html><meta charset="utf-8"><title>A shop</title>
<link rel="icon" href="data:,"><p>Welcome to the shop.</p>
{snippet}"""

FORM = r"""() => {
  const form = document.querySelector('form.assistant-form');
  if (!form) return null;
  const value = (root, name) => root.querySelector(`[name=${name}]`).value;
  const rows = (kind) => [...form.querySelectorAll(`li.row[data-kind=${kind}]`)];
  const number = (name) => value(form, name) === '' ? null : Number(value(form, name));
  return {
    name: value(form, 'name'),
    widgetMode: value(form, 'widgetMode'),
    allowedOrigins: value(form, 'allowedOrigins').split('\n').filter(Boolean),
    preChatForm: rows('preChatForm').map((row) => ({
      name: value(row, 'name'), label: value(row, 'label'), type: value(row, 'type'),
      required: row.querySelector('[name=required]').checked,
      options: value(row, 'type') === 'SELECT' ? value(row, 'options') : null,
      pattern: value(row, 'pattern') || null,
    })),
    extractedVariables: rows('extractedVariables').map((row) => ({
      name: value(row, 'name'), type: value(row, 'type'),
      description: value(row, 'description') || null,
    })),
    engine: form.querySelector('input[value=engine]').checked ? {
      model: value(form, 'model'), provider: value(form, 'provider'),
      instructions: value(form, 'instructions') || null,
      firstMessage: value(form, 'firstMessage') || null,
      temperature: number('temperature'), maxReplyTokens: number('maxReplyTokens'),
    } : null,
  };
}"""
LIST = """() => document.querySelector('section.assistants')?.dataset.ready === 'true'
  && [...document.querySelectorAll('#assistant-rows tr')].map((tr) => ({
    name: tr.cells[0].textContent, answeredBy: tr.cells[1].textContent,
    created: tr.cells[2].textContent }))"""
TEXT_IS = "([selector, text]) => document.querySelector(selector)?.textContent === text"
TEXT = "(selector) => document.querySelector(selector)?.textContent"
SHOWN = "(selector) => { const e = document.querySelector(selector); return !!e && !e.hidden; }"
REFUSED = """() => {
  const summary = document.querySelector('.assistant-form .problem:not([hidden])');
  const slot = document.querySelector('.field-error[data-field=allowedOrigins]:not([hidden])');
  return summary && slot && {
    at: slot.textContent,
    invalid: document.querySelector('textarea[name=allowedOrigins]').getAttribute('aria-invalid'),
    focused: document.activeElement.name,
    listed: [...summary.querySelectorAll('li')].map((li) => li.textContent),
  };
}"""
KEY_ROWS = """() => document.querySelector('section.widget-keys')?.dataset.ready === 'true'
  && [...document.querySelectorAll('#key-rows tr')].map((tr) => ({
    key: tr.cells[0].textContent, name: tr.cells[1].textContent,
    status: tr.cells[4].textContent }))"""
KEPT = "() => !document.querySelector('dialog.confirm') && document.activeElement.id === 'archive'"
PRE_CHAT = f"""() => {{
  const form = {IN_WIDGET}?.querySelector('form.prechat');
  return form && {{
    labels: [...form.querySelectorAll('.row label')].map((label) => label.textContent),
    topics: [...form.querySelectorAll('select[name=topic] option')].map((o) => o.textContent),
  }};
}}"""


def as_shown(assistant: dict[str, Any]) -> dict[str, Any]:
    """An assistant as the API answers it, written as its form shows it (options joined)."""
    shown = {key: value for key, value in assistant.items() if key != "id"}
    shown["preChatForm"] = [
        {**field, "options": ", ".join(field["options"]) if field["options"] else None}
        for field in assistant["preChatForm"]
    ]
    return shown


async def fill_form(browser: Chromium, where: str, **values: str) -> None:
    for selector, value in values.items():
        await browser("fill", "b", selector=f"{where} {selector}", value=value)


async def saved(browser: Chromium, text: str) -> None:
    await browser.wait("b", TEXT_IS, ["#saved", text])
    await browser.wait("b", READY, "section.assistant")


async def test_a_builder_makes_an_assistant_and_puts_its_widget_on_a_page(
    api: Api, server_url: str, screenshots: Path
) -> None:
    _, secret = await factories.workspace()
    page = [""]
    async with shop(page) as origin, chromium() as browser:
        await browser(
            "page",
            name="b",
            width=1280,
            height=1000,
            permissions=["clipboard-read", "clipboard-write"],
        )
        await sign_in(browser, "b", f"http://{server_url}/dashboard", secret)
        await browser("click", "b", selector="nav a[data-page=assistants]")
        assert await browser.wait("b", LIST) == []
        await browser("click", "b", selector="#new-assistant")
        await browser.wait("b", FORM)

        # Create: a required email field, a variable to extract, a model with instructions.
        await fill_form(browser, ".assistant-form > .field", **{"input[name=name]": "Shop Support"})
        await browser("click", "b", selector="fieldset.preChatForm > button")
        row = "li.row[data-kind=preChatForm]:nth-child(1)"
        await fill_form(
            browser, row, **{"input[name=name]": "email", "input[name=label]": "Your email"}
        )
        await browser("select", "b", selector=f"{row} select[name=type]", value="EMAIL")
        await browser("check", "b", selector=f"{row} input[name=required]")
        await fill_form(
            browser,
            ".engine-fields",
            **{
                "input[name=model]": "gpt-4o-mini",
                "textarea[name=instructions]": "Answer in two sentences.",
                "input[name=temperature]": "0.3",
            },
        )
        await browser("click", "b", selector="fieldset.extractedVariables > button")
        variable = "li.row[data-kind=extractedVariables]:nth-child(1)"
        await fill_form(
            browser,
            variable,
            **{"input[name=name]": "order_number", "input[name=description]": "Their order"},
        )
        await fill_form(browser, "", **{"textarea[name=allowedOrigins]": origin})
        await browser("click", "b", selector=".assistant-form button[type=submit]")
        await saved(browser, "Created. Make a widget key below to put it on a page.")
        created = (await api(ASSISTANTS, key=secret)).data["assistants"]
        assert len(created) == 1
        assert as_shown(created[0]) == await browser.eval("b", FORM)
        assert created[0]["engine"] == {
            "model": "gpt-4o-mini",
            "provider": "openai",
            "instructions": "Answer in two sentences.",
            "firstMessage": None,
            "temperature": 0.3,
            "maxReplyTokens": None,
        }
        assert created[0]["extractedVariables"] == [
            {"name": "order_number", "type": "TEXT", "description": "Their order"}
        ]
        assistant_id = created[0]["id"]
        assert f"id={assistant_id}" in (await browser("url", "b")).replace("%3D", "=")

        # Listed, with who answers it.
        await browser("click", "b", selector=".back a")
        listed = await browser.wait("b", LIST)
        assert [(each["name"], each["answeredBy"]) for each in listed] == [
            ("Shop Support", "gpt-4o-mini (openai)")
        ]
        assert listed[0]["created"]

        # Edit: a refused save shows the server's problem at its field and changes nothing.
        await browser("click", "b", selector="#assistant-rows a")
        await browser.wait("b", READY, "section.assistant")
        await fill_form(browser, ".assistant-form > .field", **{"input[name=name]": "Shop Help"})
        await browser("click", "b", selector="fieldset.preChatForm > button")
        topic = "li.row[data-kind=preChatForm]:nth-child(2)"
        await fill_form(
            browser, topic, **{"input[name=name]": "topic", "input[name=label]": "Topic"}
        )
        await browser("select", "b", selector=f"{topic} select[name=type]", value="SELECT")
        await fill_form(browser, topic, **{"input[name=options]": "Orders, Returns"})
        await fill_form(browser, "", **{"textarea[name=allowedOrigins]": "shop.example"})
        await browser("click", "b", selector=".assistant-form button[type=submit]")
        refused = await browser.wait("b", REFUSED)
        problem = "'shop.example' is not an origin like https://shop.example"
        assert refused == {
            "at": problem,
            "invalid": "true",
            "focused": "allowedOrigins",
            "listed": [f"Allowed origins: {problem}"],
        }
        assert (await api(ASSISTANTS, key=secret)).data["assistants"] == created

        await fill_form(browser, "", **{"textarea[name=allowedOrigins]": origin})
        await browser("click", "b", selector=".assistant-form button[type=submit]")
        await saved(browser, "Saved.")
        edited = (await api(ASSISTANTS, key=secret)).data["assistants"]
        assert [each["name"] for each in edited] == ["Shop Help"]
        assert edited[0]["preChatForm"][1] == {
            "name": "topic",
            "label": "Topic",
            "type": "SELECT",
            "required": False,
            "options": ["Orders", "Returns"],
            "pattern": None,
        }
        await browser("reload", "b")
        await browser.wait("b", READY, "section.assistant")
        assert as_shown(edited[0]) == await browser.eval("b", FORM)
        assert await browser.eval("b", TEXT, "#assistant-title") == "Shop Help"

        # A widget key: its snippet, shown once and copied, works as it is on the shop's page.
        await fill_form(browser, "", **{"#key-name": "Shop front"})
        await browser("click", "b", selector=".key-form button[type=submit]")
        await browser.wait("b", SHOWN, "#snippet")
        snippet = await browser.eval("b", "() => document.querySelector('#snippet').value")
        keys = (await api(KEYS, key=secret)).data["apiKeys"]
        widget_keys = [each for each in keys if each["kind"] == "PUBLISHABLE"]
        assert len(widget_keys) == 1
        assert widget_keys[0]["assistantId"] == assistant_id
        found = re.fullmatch(
            rf'<script src="http://{re.escape(server_url)}/widget.js" data-key="(pk_[\w-]+)" '
            r"async></script>",
            snippet,
        )
        assert found, snippet
        assert found[1].startswith(widget_keys[0]["prefix"])
        assert await browser.wait("b", KEY_ROWS) == [
            {"key": f"{widget_keys[0]['prefix']}…", "name": "Shop front", "status": "Active"}
        ]
        await browser("click", "b", selector="#copy-snippet")
        await browser.wait("b", TEXT_IS, [".copy-status", "Copied to the clipboard."])
        copied = await browser.eval("b", "() => navigator.clipboard.readText()")
        assert copied == snippet
        shot = str(screenshots / "dashboard-assistant.png")
        await browser("screenshot", "b", path=shot, fullPage=True)

        page[0] = SHOP.format(snippet=copied)
        await browser("page", name="shop", width=1000, height=760)
        await browser("goto", "shop", url=f"{origin}/")
        await browser("click", "shop", selector=".launcher")  # CSS pierces the open shadow root
        assert await browser.wait("shop", PRE_CHAT) == {
            "labels": ["Your email *", "Topic"],
            "topics": ["Choose…", "Orders", "Returns"],
        }

        # Revoked after a confirm: listed so, and the key no longer opens the widget.
        await browser("click", "b", selector="#key-rows button")
        await browser.wait("b", SHOWN, "dialog.confirm[open]")
        await browser("click", "b", selector="dialog.confirm button[value=yes]")
        rows = await browser.wait(
            "b", f"() => {{ const r = ({KEY_ROWS})(); return r && r[0].status !== 'Active' && r; }}"
        )
        assert rows[0]["status"].startswith("Revoked ")
        assert await browser.eval("b", SHOWN, ".fresh-key") is False
        keys = (await api(KEYS, key=secret)).data["apiKeys"]
        assert [
            each["revokedAt"] is not None for each in keys if each["kind"] == "PUBLISHABLE"
        ] == [True]
        face = await api(FACE, {"id": assistant_id}, key=found[1], headers={"origin": origin})
        assert face.codes == ["UNAUTHENTICATED"]

        # Archive: Escape keeps it; confirming archives it and the list is empty again.
        await browser("click", "b", selector="#archive")
        await browser.wait("b", SHOWN, "dialog.confirm[open]")
        await browser("press", "b", selector="dialog.confirm", key="Escape")
        await browser.wait("b", KEPT)
        assert len((await api(ASSISTANTS, key=secret)).data["assistants"]) == 1
        await browser("click", "b", selector="#archive")
        await browser("click", "b", selector="dialog.confirm button[value=yes]")
        assert await browser.wait("b", LIST) == []
        assert await browser.eval("b", SHOWN, "section.assistants .empty") is True
    assert (await api(ASSISTANTS, key=secret)).data["assistants"] == []


async def test_a_key_without_write_is_told_so_and_changes_nothing(
    api: Api, server_url: str
) -> None:
    workspace_id, secret = await factories.workspace()
    await factories.assistant(workspace_id, "Shop Support", model="gpt-4o-mini")
    _, reader = await create_api_key(workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ}))
    before = (await api(ASSISTANTS, key=secret)).data["assistants"]
    async with chromium() as browser:
        await browser("page", name="b", width=1280, height=900)
        await sign_in(browser, "b", f"http://{server_url}/dashboard", reader)
        await browser("click", "b", selector="nav a[data-page=assistants]")
        await browser.wait("b", LIST)
        await browser("click", "b", selector="#assistant-rows a")
        await browser.wait("b", READY, "section.widget-keys")
        await fill_form(browser, ".assistant-form > .field", **{"input[name=name]": "Renamed"})
        await browser("click", "b", selector=".assistant-form button[type=submit]")
        summary = await browser.wait("b", TEXT, ".assistant-form .problem:not([hidden])")
        await browser("click", "b", selector=".key-form button[type=submit]")
        await browser.wait("b", SHOWN, "section.assistant > .problem")
        refused = await browser.eval("b", TEXT, "section.assistant > .problem")
        keys = await browser.eval("b", KEY_ROWS)
    assert summary == refused == WRITE_NEEDED
    assert keys == []
    assert (await api(ASSISTANTS, key=secret)).data["assistants"] == before
    kinds = [each["kind"] for each in (await api(KEYS, key=secret)).data["apiKeys"]]
    assert kinds == ["SECRET", "SECRET"]  # the workspace's own and the reader's: no widget key
