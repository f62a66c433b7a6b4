"""The dashboard as a place to work, in a real headless Chromium: an agent signs in with its own
key; a visitor (the widget's calls, through the API) asks for a person, and the Inbox badge rises
live and the conversation shows under Waiting with who the visitor is, its last message and a
wait that counts up. The agent takes it over from its page, replies (recorded with the agent's
name), sees the visitor answer live, assigns it to another agent (shown under All, gone from
Mine), is refused an agent archived meanwhile (the server's reason shown), and hands it back.
A supervisor's secret key (WRITE) may not take over but labels, ends and erases (after a
confirmation)."""

import re
from pathlib import Path
from typing import Any

from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api
from tests.support.browser.dashboard_driver import Chromium, chromium
from tests.support.browser.dashboard_views import READY, sign_in

SHOP = "https://shop.example"
FORM = [
    {"name": "name", "label": "Name", "type": "TEXT"},
    {"name": "email", "label": "Email", "type": "EMAIL"},
]
AGENT = "mutation($name: String!) { createAgent(name: $name) { secret agent { id name } } }"
ARCHIVE = "mutation($id: ID!) { archiveAgent(id: $id) { id } }"
START = """mutation($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id } sessionToken } }"""
SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { message { sequence } } }"""
REQUEST = "mutation($id: ID!) { requestPerson(conversationId: $id) { handling } }"
LABEL = 'mutation($name: String!) { createLabel(name: $name, colour: "#e5484d") { id } }'
RECORD = """query($id: ID!) { conversation(id: $id) { handling assigneeId status labels { name }
  messages(first: 100) { edges { node { role content handover agent { name } } } } } }"""

INBOX_BADGE_IS = "(n) => document.querySelector('#inbox-badge').textContent === n"
INBOX_ROWS = """() => document.querySelector('section.inbox-page')?.dataset.ready === 'true'
  && [...document.querySelectorAll('#rows tr')].map((tr) => ({
    id: tr.dataset.id, handling: tr.dataset.handling,
    visitor: tr.cells[0].textContent, waited: tr.cells[1].textContent,
    handledBy: tr.cells[2].textContent, last: tr.cells[3].textContent }))"""
ROWS_ARE_SOME = f"() => {{ const rows = ({INBOX_ROWS})(); return rows && rows.length && rows; }}"
EMPTY_SHOWN = """() => document.querySelector('section.inbox-page')?.dataset.ready === 'true'
  && !document.querySelector('#empty').hidden && document.querySelector('#empty').textContent"""
WAITED_CHANGED = "(was) => { const t = document.querySelector('#rows time.waited');"
WAITED_CHANGED += " return t && t.textContent !== was && t.textContent; }"
SHOWN = "(selector) => { const e = document.querySelector(selector); return !!e && !e.hidden; }"
BUTTONS = """() => document.querySelector('section.conversation')?.dataset.ready === 'true'
  && ['take-over', 'reply', 'hand-back', 'assign', 'labelling', 'end', 'erase']
    .filter((id) => !document.getElementById(id).hidden)"""
HANDLING_IS = "(h) => document.querySelector('section.conversation')?.dataset.handling === h"
TEXT_IS = "([selector, text]) => document.querySelector(selector)?.textContent === text"
SAID = """(role) => [...document.querySelectorAll(`#messages li[data-role=${role}]`)].map((li) =>
  [li.querySelector('.role').textContent, li.querySelector('.content').textContent])"""
SAID_HAS = f"([role, n]) => ({SAID})(role).length >= n && ({SAID})(role)"
WHERE = """() => [document.querySelector('nav a[aria-current]').dataset.page,
  document.querySelector('.back a').textContent]"""
KEPT = "() => !document.querySelector('dialog.confirm') && document.activeElement.id === 'erase'"
TAB_COUNTS = """() => Object.fromEntries([...document.querySelectorAll('.tabs [data-count]')]
  .map((span) => [span.dataset.count, span.textContent]))"""
TAB_COUNTS_ARE = f"(c) => JSON.stringify(({TAB_COUNTS})()) === JSON.stringify(c)"
PROBLEM = """() => { const p = document.querySelector('#work-problem');
  return p && !p.hidden && p.textContent; }"""


async def _agent(api: Api, secret: str, name: str) -> tuple[str, str]:
    made = await api(AGENT, {"name": name}, key=secret)
    assert made.codes == [], made
    return made.data["createAgent"]["agent"]["id"], made.data["createAgent"]["secret"]


async def _shop(api: Api) -> tuple[str, str, str]:
    """A workspace whose assistant's widget asks the visitor's name and email: its secret key,
    the widget key, the assistant."""
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(
        workspace_id, "Shop helper", pre_chat_form=FORM, allowed_origins=[SHOP]
    )
    _, widget = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    return secret, widget, encode_id("Assistant", bot.id)


async def _visitor_asks(api: Api, widget: str, assistant: str, name: str) -> tuple[str, str]:
    """As the widget does: starts with the pre-chat answers, writes, asks for a person."""
    start = {
        "assistantId": assistant,
        "preChat": [{"name": "name", "value": name}, {"name": "email", "value": "g@example.com"}],
    }
    started = await api(START, {"input": start}, key=widget, headers={"origin": SHOP})
    assert started.codes == [], started
    conversation = started.data["startConversation"]["conversation"]["id"]
    token = started.data["startConversation"]["sessionToken"]
    said = {"conversationId": conversation, "clientMessageId": "v1", "content": "My order is late"}
    assert (await api(SEND, {"input": said}, key=token, headers={"origin": SHOP})).codes == []
    asked = await api(REQUEST, {"id": conversation}, key=token, headers={"origin": SHOP})
    assert asked.data["requestPerson"]["handling"] == "WAITING", asked
    return conversation, token


async def _open_inbox(browser: Chromium, tab: str) -> None:
    await browser("click", "a", selector="nav a[data-page=inbox]")
    await browser.wait("a", READY, "section.inbox-page")
    if tab != "waiting":
        await browser("click", "a", selector=f".tabs a[data-tab={tab}]")
        await browser.wait(
            "a", f"() => document.querySelector('section.inbox-page[data-tab={tab}]')"
        )
        await browser.wait("a", READY, "section.inbox-page")


def _said(record: Any, role: str) -> list[tuple[str | None, str]]:
    return [
        ((edge["node"]["agent"] or {}).get("name"), edge["node"]["content"])
        for edge in record["messages"]["edges"]
        if edge["node"]["role"] == role
    ]


async def test_an_agent_answers_a_visitor_from_the_inbox(
    api: Api, server_url: str, screenshots: Path
) -> None:
    secret, widget, assistant = await _shop(api)
    _, ada_key = await _agent(api, secret, "Ada")
    bob, _ = await _agent(api, secret, "Bob")
    cy, _ = await _agent(api, secret, "Cy")
    async with chromium() as browser:
        await browser("page", name="a", width=1280, height=900)
        await sign_in(browser, "a", f"http://{server_url}/dashboard", ada_key)
        await browser.wait("a", INBOX_BADGE_IS, "0")
        await _open_inbox(browser, "waiting")
        assert await browser.wait("a", EMPTY_SHOWN) == "Nobody is waiting."

        # A visitor asks for a person: the badge rises and the row arrives, live.
        conversation, token = await _visitor_asks(api, widget, assistant, "Grace")
        await browser.wait("a", INBOX_BADGE_IS, "1")
        rows = await browser.wait("a", ROWS_ARE_SOME)
        assert [(row["id"], row["visitor"], row["handling"]) for row in rows] == [
            (conversation, "Grace", "WAITING")
        ]
        assert re.fullmatch(r"\d+ s", rows[0]["waited"]), rows[0]
        assert rows[0]["handledBy"] == "Nobody yet"
        assert rows[0]["last"] == "Visitor: My order is late"
        await browser.wait("a", TAB_COUNTS_ARE, {"waiting": "1", "mine": "0", "all": "1"})
        ticked = await browser.wait("a", WAITED_CHANGED, rows[0]["waited"], seconds=4)
        assert re.fullmatch(r"\d+ s", ticked)
        await browser("screenshot", "a", path=str(screenshots / "dashboard-inbox.png"))

        # The agent takes it over from its page and replies with its name.
        await browser("click", "a", selector="#rows a.visitor")
        assert await browser.wait("a", BUTTONS) == [
            "take-over",
            "hand-back",
            "assign",
            "labelling",
            "end",
        ]
        assert await browser.eval("a", WHERE) == ["inbox", "← Inbox"]
        await browser("click", "a", selector="#take-over")
        await browser.wait("a", HANDLING_IS, "AGENT")
        assert await browser.wait("a", BUTTONS) == [
            "reply",
            "hand-back",
            "assign",
            "labelling",
            "end",
        ]
        assert await browser.eval("a", "() => document.activeElement.id") == "reply-text"
        await browser.wait("a", TEXT_IS, ["#handling", "Ada"])
        await browser.wait("a", SAID_HAS, ["HANDOVER", 2])
        await browser.wait("a", INBOX_BADGE_IS, "0")
        await browser("fill", "a", selector="#reply-text", value="Hello Grace, I am Ada.")
        await browser("press", "a", selector="#reply-text", key="Control+Enter")
        said = await browser.wait("a", SAID_HAS, ["AGENT", 1])
        assert said == [["Ada (agent)", "Hello Grace, I am Ada."]]
        await browser("screenshot", "a", path=str(screenshots / "dashboard-handover.png"))
        record = (await api(RECORD, {"id": conversation}, key=secret)).data["conversation"]
        assert _said(record, "AGENT") == [("Ada", "Hello Grace, I am Ada.")]
        assert _said(record, "HANDOVER") == [
            (None, "The visitor asked for a person."),
            ("Ada", "Ada joined."),
        ]
        answer = {"conversationId": conversation, "clientMessageId": "v2", "content": "Thanks!"}
        await api(SEND, {"input": answer}, key=token, headers={"origin": SHOP})
        assert (await browser.wait("a", SAID_HAS, ["USER", 2]))[1] == ["Visitor", "Thanks!"]

        # Assigned to Bob: under All with Bob shown, and no longer under Ada's Mine.
        await browser("select", "a", selector="#assignee", value=bob)
        await browser("click", "a", selector="#assign button[type=submit]")
        await browser.wait("a", TEXT_IS, ["#assigned", "Bob"])
        assert (await api(RECORD, {"id": conversation}, key=secret)).data["conversation"][
            "assigneeId"
        ] == bob
        await _open_inbox(browser, "all")
        rows = await browser.wait("a", ROWS_ARE_SOME)
        assert [(row["id"], row["handledBy"], row["waited"]) for row in rows] == [
            (conversation, "Bob", "—")
        ]
        await browser.wait("a", TAB_COUNTS_ARE, {"waiting": "0", "mine": "0", "all": "1"})
        await browser("click", "a", selector=".tabs a[data-tab=mine]")
        assert await browser.wait("a", EMPTY_SHOWN) == "Nothing assigned to you."

        # A refused move says why; the hand-back is made, and the conversation leaves All.
        await browser("click", "a", selector=".tabs a[data-tab=all]")
        await browser.wait("a", ROWS_ARE_SOME)
        await browser("click", "a", selector="#rows a.visitor")
        await browser.wait("a", BUTTONS)
        assert (await api(ARCHIVE, {"id": cy}, key=secret)).codes == []
        await browser("select", "a", selector="#assignee", value=cy)
        await browser("click", "a", selector="#assign button[type=submit]")
        assert await browser.wait("a", PROBLEM) == "Could not assign it: Agent not found."
        await browser("click", "a", selector="#hand-back")
        await browser.wait("a", HANDLING_IS, "ASSISTANT")
        assert await browser.wait("a", BUTTONS) == ["take-over", "assign", "labelling", "end"]
        await browser.wait("a", SAID_HAS, ["HANDOVER", 3])
        record = (await api(RECORD, {"id": conversation}, key=secret)).data["conversation"]
        assert (record["handling"], record["assigneeId"]) == ("ASSISTANT", bob)
        await _open_inbox(browser, "all")
        assert await browser.wait("a", EMPTY_SHOWN) == "Nobody is waiting."
        assert await browser.eval("a", INBOX_BADGE_IS, "0")


async def test_a_supervisor_labels_ends_and_erases_but_does_not_take_over(
    api: Api, server_url: str
) -> None:
    secret, widget, assistant = await _shop(api)
    refund = (await api(LABEL, {"name": "refund"}, key=secret)).data["createLabel"]["id"]
    conversation, _ = await _visitor_asks(api, widget, assistant, "Lin")
    async with chromium() as browser:
        await browser("page", name="a", width=1280, height=900)
        await sign_in(browser, "a", f"http://{server_url}/dashboard", secret)
        await browser.wait("a", INBOX_BADGE_IS, "1")
        await _open_inbox(browser, "waiting")
        assert await browser.eval(
            "a", "() => [...document.querySelectorAll('.tabs .tab-name')].map((a) => a.textContent)"
        ) == ["Waiting", "All"]
        await browser.wait("a", TAB_COUNTS_ARE, {"waiting": "1", "all": "1"})
        await browser("click", "a", selector="#rows a.visitor")
        assert await browser.wait("a", BUTTONS) == [
            "hand-back",
            "assign",
            "labelling",
            "end",
            "erase",
        ]

        await browser("select", "a", selector="#add-label-choice", value=refund)
        await browser("click", "a", selector="#add-label button[type=submit]")
        await browser.wait("a", TEXT_IS, ["#labels", "refund"])
        assert (await api(RECORD, {"id": conversation}, key=secret)).data["conversation"][
            "labels"
        ] == [{"name": "refund"}]
        await browser("click", "a", selector="#label-list button[data-label]")
        await browser.wait("a", TEXT_IS, ["#labels", "No labels."])

        await browser("click", "a", selector="#end")
        await browser.wait(
            "a", "() => document.querySelector('section.conversation')?.dataset.status === 'ENDED'"
        )
        assert await browser.wait("a", BUTTONS) == ["labelling", "erase"]
        await browser.wait("a", INBOX_BADGE_IS, "0")

        # Erasing asks first: Cancel keeps it, Erase erases it and goes to the list.
        await browser("click", "a", selector="#erase")
        await browser.wait("a", SHOWN, "dialog.confirm[open]")
        await browser("click", "a", selector="dialog.confirm button[value=no]")
        await browser.wait("a", KEPT)
        assert (await api(RECORD, {"id": conversation}, key=secret)).codes == []
        await browser("click", "a", selector="#erase")
        await browser.wait("a", SHOWN, "dialog.confirm[open]")
        await browser("click", "a", selector="dialog.confirm button[value=yes]")
        await browser.wait("a", READY, "section.conversations")
        assert (await api(RECORD, {"id": conversation}, key=secret)).codes == ["NOT_FOUND"]
