"""What the dashboard's browser tests read off its pages: small page functions (JavaScript, run
in the page by the driver) that return what a reader sees, and signing in as a reader does."""

from decimal import Decimal
from typing import Any

from tests.support.browser.dashboard_data import FACETS, Workspace
from tests.support.browser.dashboard_driver import Chromium

PAGE_SIZE = 25
"""Rows in the list's first page (conversations.js)."""

SOCKETS = r"""(() => {
  // The test's handle on the page's websockets: each one made is kept, and while __blockSockets
  // is set new ones go to a closed port (so they fail as a lost network does).
  const Real = window.WebSocket;
  window.__sockets = [];
  window.__blockSockets = false;
  window.WebSocket = class extends Real {
    constructor(url, protocols) {
      const blocked = String(url).replace(/\/\/[^/]+/, "//127.0.0.1:9");
      super(window.__blockSockets ? blocked : url, protocols);
      window.__sockets.push(this);
    }
  };
})();"""
LOSE_SOCKETS = """() => { window.__blockSockets = true;
  for (const socket of window.__sockets) socket.close(4000, 'test: network lost');
  return window.__sockets.length; }"""
ROWS = """() => [...document.querySelectorAll('#rows tr')].map((tr) => ({
  id: tr.dataset.id,
  visitor: tr.querySelector('td[data-label=Visitor]').textContent,
  type: tr.querySelector('td[data-label=Type]').textContent,
  status: tr.querySelector('td[data-label=Status]').textContent,
  last: tr.querySelector('td[data-label="Last message"]').textContent,
  messages: tr.querySelector('.messages').textContent,
  cost: tr.querySelector('.cost').textContent,
}))"""
IDS = "() => [...document.querySelectorAll('#rows tr')].map((tr) => tr.dataset.id)"
IDS_ARE = f"(ids) => JSON.stringify(({IDS})()) === JSON.stringify(ids)"
TOP_IS = "(id) => document.querySelector('#rows tr')?.dataset.id === id"
READY = "(what) => document.querySelector(what)?.dataset.ready === 'true'"
FACETS_SHOWN = """() => Object.fromEntries([...document.querySelectorAll('[data-facet]')]
  .map((span) => [span.dataset.facet, span.textContent]))"""
FACETS_ARE = f"(f) => JSON.stringify(({FACETS_SHOWN})()) === JSON.stringify(f)"
BADGE_IS = "(n) => document.querySelector('#badge').textContent === n"
SOCKET_IS = "(s) => document.querySelector('#connection').dataset.status === s"
SOCKET_IS_NOT = "(s) => document.querySelector('#connection').dataset.status !== s"
TEXT = "(selector) => document.querySelector(selector).textContent"
TYPES = {"TEST": "Test", "WEB_WIDGET": "Web widget"}


def shown_cost(usage: dict[str, Any]) -> str:
    """The cost as the dashboard must show it: the API's exact string."""
    if usage["costKnown"]:
        return f"${usage['cost']}"
    return "unpriced" if Decimal(usage["cost"]) == 0 else f"${usage['cost']} + unpriced"


async def sign_in(browser: Chromium, page: str, url: str, secret: str) -> None:
    """Pastes the key into the sign-in form and waits for the list's first page."""
    await browser("goto", page, url=url)
    await browser("fill", page, selector="#key", value=secret)
    await browser("click", page, selector="form.sign-in button[type=submit]")
    await browser.wait(page, READY, "section.conversations")


async def facets(workspace: Workspace, filter_: dict[str, Any] | None) -> dict[str, str]:
    """The facet counts as the page shows them, from the API's conversationCounts."""
    counts = (await workspace.read(FACETS, {"filter": filter_}))["conversationCounts"]
    shown = {each["type"]: f"{each['count']:,}" for each in counts["byType"]}
    return shown | {each["status"]: f"{each['count']:,}" for each in counts["byStatus"]}
