"""The live Conversations list in a real headless Chromium, served by the app at /dashboard,
against the real API and database. What is checked is what a reader sees (the DOM's text, order
and counts, the URL, a downloaded file), compared with what the API answers.

Conversations are made through the API as the widget (its publishable key, then the session
token) and the engine (the secret key) make them, while the dashboard is open. The websocket is
really lost: the page's sockets are closed from the page and new ones fail (pointed at a closed
port) while the test writes, until they are let through again.
"""

import csv
import io
import json
import time
from pathlib import Path

from tests.support.api import Api
from tests.support.browser.dashboard_data import RECORDED, SMALLEST, seeded
from tests.support.browser.dashboard_driver import chromium
from tests.support.browser.dashboard_views import (
    BADGE_IS,
    FACETS_ARE,
    FACETS_SHOWN,
    IDS,
    IDS_ARE,
    LOSE_SOCKETS,
    PAGE_SIZE,
    READY,
    ROWS,
    SOCKET_IS,
    SOCKET_IS_NOT,
    SOCKETS,
    TOP_IS,
    TYPES,
    facets,
    shown_cost,
    sign_in,
)

ANCHOR = """() => { window.scrollTo(0, 700);
  const row = [...document.querySelectorAll('#rows tr')]
    .find((tr) => tr.getBoundingClientRect().top >= 0);
  return { id: row.dataset.id, top: row.getBoundingClientRect().top, y: window.scrollY }; }"""
WHERE_IS = """(id) => ({
  top: document.querySelector(`#rows tr[data-id="${id}"]`).getBoundingClientRect().top,
  y: window.scrollY })"""
CAUGHT_UP = """([first, chat, ended]) => {
  const rows = [...document.querySelectorAll('#rows tr')];
  const row = (id) => rows.find((tr) => tr.dataset.id === id);
  return rows[0]?.dataset.id === first
    && row(chat)?.querySelector('.messages').textContent === '3'
    && row(ended)?.dataset.status === 'ENDED'; }"""
TOP_ROW_IS = f"(row) => JSON.stringify(({ROWS})()[0]) === JSON.stringify(row)"
FORM_SHOWS = """() => [document.querySelector('#type-WEB_WIDGET').checked,
  document.querySelector('#q').value]"""


async def test_the_list_is_live_survives_a_lost_socket_and_keeps_its_filter(
    api: Api, server_url: str, tmp_path: Path, screenshots: Path
) -> None:
    began = time.monotonic()
    workspace = await seeded(api)
    async with chromium() as browser:
        await browser("page", name="list", width=1280, height=720, init=SOCKETS)
        await sign_in(browser, "list", f"http://{server_url}/dashboard", workspace.secret)

        # The badge, the facets and the pages are what the API says. The facets arrive by a
        # request of their own, so they may be drawn after the badge.
        await browser.wait("list", BADGE_IS, str(RECORDED))
        await browser.wait("list", FACETS_ARE, await facets(workspace, None))
        assert await browser.eval("list", FACETS_SHOWN) == await facets(workspace, None)
        everything = await workspace.ids()
        assert await browser.eval("list", IDS) == everything[:PAGE_SIZE]
        await browser("click", "list", selector="#more")
        await browser.wait("list", IDS_ARE, everything)
        shown = {row["id"]: row for row in await browser.eval("list", ROWS)}
        for row in await workspace.rows():
            assert shown[row["id"]]["messages"] == str(row["messageCount"])
            assert shown[row["id"]]["cost"] == shown_cost(row["usage"])
            assert shown[row["id"]]["type"] == TYPES[row["type"]]
        assert f"${SMALLEST}" in {row["cost"] for row in shown.values()}
        await browser.eval("list", "() => (window.__notReloaded = true)")

        # A visitor starts chatting: the badge rises and the conversation is on top, live.
        chat = await workspace.chat("ada@example.com", "Where is my parcel?")
        await browser.wait("list", BADGE_IS, str(RECORDED + 1))
        await browser.wait("list", TOP_IS, chat.id)
        cost = shown_cost((await workspace.rows())[0]["usage"])
        arrived = {
            "id": chat.id,
            "visitor": "ada@example.com",  # who the visitor is, from the pre-chat form
            "type": "Web widget",
            "status": "Active",
            "last": "Assistant: Thanks for asking about where is my parcel?",
            "messages": "2",
            "cost": cost,
        }  # its start may arrive before its messages: each event updates the row
        await browser.wait("list", TOP_ROW_IS, arrived)
        assert (await browser.eval("list", ROWS))[0] == arrived
        await browser.eval("list", "() => window.scrollTo(0, 0)")
        await browser("screenshot", "list", path=str(screenshots / "dashboard-list.png"))

        # Scrolled down, a new conversation does not move what the reader is looking at.
        anchor = await browser.eval("list", ANCHOR)
        second = await workspace.chat("bob@example.com", "Can I change my address?")
        await browser.wait("list", TOP_IS, second.id)
        after = await browser.eval("list", WHERE_IS, anchor["id"])
        assert abs(after["top"] - anchor["top"]) < 1, (anchor, after)
        assert after["y"] > anchor["y"]

        # The websocket is lost; a conversation starts, one is answered and one ends meanwhile.
        sockets = await browser.eval("list", LOSE_SOCKETS)
        await browser.wait("list", SOCKET_IS_NOT, "open")
        third = await workspace.chat("cy@example.com", "Is the shop open on Sunday?")
        await chat.visitor("Any news?")
        await second.end()
        await browser.eval("list", "() => { window.__blockSockets = false; }")
        await browser.wait("list", SOCKET_IS, "open", seconds=15)
        await browser.wait("list", BADGE_IS, str(RECORDED + 3))
        await browser.wait("list", CAUGHT_UP, [third.id, chat.id, second.id])
        assert await browser.eval("list", IDS) == await workspace.ids(), "lost or doubled"
        assert await browser.eval("list", "() => window.__sockets.length") > sockets
        assert await browser.eval("list", "() => window.__notReloaded") is True

        # Filtering: the URL carries it, and a reload shows the same list and form.
        await browser("check", "list", selector="#type-WEB_WIDGET")
        await browser("fill", "list", selector="#q", value="refund")
        await browser("press", "list", selector="#q", key="Enter")
        await browser.wait("list", "() => location.search.includes('q=refund')")
        assert "type=WEB_WIDGET" in await browser("url", "list")
        wanted = {"types": ["WEB_WIDGET"], "search": "refund"}
        expected = await workspace.ids(wanted)
        assert 0 < len(expected) < RECORDED
        await browser.wait("list", IDS_ARE, expected)
        await browser("reload", "list")
        await browser.wait("list", READY, "section.conversations")
        assert await browser.eval("list", IDS) == expected
        assert await browser.eval("list", FORM_SHOWS) == [True, "refund"]
        await browser.wait("list", FACETS_ARE, await facets(workspace, wanted))

        # Export downloads exactly the filter's rows, in both formats.
        exported = await browser(
            "download", "list", selector="#export-csv", path=str(tmp_path / "list.csv")
        )
        assert exported["name"].endswith(".csv")
        rows = list(csv.DictReader(io.StringIO(exported["text"], newline="")))
        assert sorted(row["id"] for row in rows) == sorted(expected)
        exported = await browser(
            "download", "list", selector="#export-jsonl", path=str(tmp_path / "list.jsonl")
        )
        lines = [json.loads(line) for line in exported["text"].splitlines()]
        assert lines[0]["export"]["total"] == lines[-1]["end"]["count"] == len(expected)
        assert sorted(line["id"] for line in lines[1:-1]) == sorted(expected)
    print(f"dashboard list: {time.monotonic() - began:.1f} s")


ORDERED = """query($orderBy: ConversationOrder) {
  conversations(orderBy: $orderBy, first: 25) { edges { node { id } } } }"""


async def test_the_list_sorts_by_the_apis_orders_and_keeps_the_order_in_the_url(
    api: Api, server_url: str
) -> None:
    workspace = await seeded(api)
    async with chromium() as browser:
        await browser("page", name="list", width=1280, height=720)
        await sign_in(browser, "list", f"http://{server_url}/dashboard", workspace.secret)
        for sort, field, direction in (
            ("costly", "COST", "DESC"),
            ("short", "MESSAGE_COUNT", "ASC"),
            ("idle", "LAST_ACTIVITY_AT", "ASC"),
        ):
            await browser("select", "list", selector="#sort", value=sort)
            order = {"orderBy": {"field": field, "direction": direction}}
            edges = (await workspace.read(ORDERED, order))["conversations"]["edges"]
            await browser.wait("list", IDS_ARE, [edge["node"]["id"] for edge in edges])
        assert "sort=idle" in await browser("url", "list")
        await browser("reload", "list")
        await browser.wait("list", READY, "section.conversations")
        await browser.wait("list", IDS_ARE, [edge["node"]["id"] for edge in edges])
        assert await browser.eval("list", "() => document.querySelector('#sort').value") == "idle"
