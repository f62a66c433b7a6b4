"""A conversation's page, the usage chart and the list at phone width, in a real headless
Chromium against the real API: the page shows what the API answers, exactly (money included)."""

import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.support.api import Api
from tests.support.browser.dashboard_data import ONE, SUMMARY, Workspace, seeded
from tests.support.browser.dashboard_driver import Chromium, chromium
from tests.support.browser.dashboard_views import READY, TEXT, shown_cost, sign_in

PHONE_WIDTH = 390
MESSAGES = """() => [...document.querySelectorAll('#messages li')].map((li) => ({
  sequence: Number(li.dataset.sequence),
  role: li.querySelector('.role').textContent,
  content: li.querySelector('.content').textContent,
  cost: li.querySelector('.reply-usage .cost')?.textContent ?? null,
}))"""
MESSAGE_COUNT_IS = "(n) => document.querySelectorAll('#messages li').length === n"
VARIABLES = """() => [...document.querySelectorAll('#variables tbody tr')].map((tr) => [
  tr.dataset.name, tr.querySelector('.value').textContent,
  tr.querySelector('.source').textContent])"""
CHART = """() => {
  const points = document.querySelectorAll('#usage-chart circle.point');
  return [...document.querySelectorAll('#usage-chart rect.bar')].map((bar, index) => [
    bar.dataset.cost, Number(points[index].dataset.conversations)]); }"""
ZONE = "() => Intl.DateTimeFormat().resolvedOptions().timeZone"
ROLES = {"USER": "Visitor", "ASSISTANT": "Assistant"}
SOURCES = {"PRE_CHAT_FORM": "Pre-chat form", "EXTRACTED": "Extracted"}


async def shows_the_conversation(browser: Chromium, workspace: Workspace, chat_id: str) -> None:
    """The conversation's page shows the API's messages, variables and costs."""
    truth = (await workspace.read(ONE, {"id": chat_id}))["conversation"]
    await browser.wait("chat", MESSAGE_COUNT_IS, truth["messageCount"])
    assert await browser.eval("chat", MESSAGES) == [
        {
            "sequence": node["sequence"],
            "role": ROLES[node["role"]],
            "content": node["content"],
            "cost": f"${node['usage']['cost']}" if node["usage"] else None,
        }
        for node in (edge["node"] for edge in truth["messages"]["edges"])
    ]
    assert await browser.eval("chat", VARIABLES) == [
        [each["name"], each["value"], SOURCES[each["source"]]] for each in truth["variables"]
    ]
    await browser.wait("chat", f"(c) => ({TEXT})('#total-cost') === c", shown_cost(truth["usage"]))


async def test_a_conversation_the_usage_chart_and_a_phone(
    api: Api, server_url: str, screenshots: Path
) -> None:
    began = time.monotonic()
    workspace = await seeded(api)
    chat = await workspace.chat("grace@example.com", "Do you ship to Norway?", replies=2)
    await chat.extract("order_number", "A-1042")
    await chat.rate(5)
    dashboard = f"http://{server_url}/dashboard"
    async with chromium() as browser:
        await browser("page", name="chat", width=1280, height=900)
        await sign_in(browser, "chat", dashboard, workspace.secret)

        # From the list to the conversation, by its link.
        await browser("click", "chat", selector=f'#rows tr[data-id="{chat.id}"] a.open')
        await browser.wait("chat", READY, "section.conversation")
        url = await browser("url", "chat")
        assert "page=conversation" in url
        assert f"id={chat.id}" in url
        await shows_the_conversation(browser, workspace, chat.id)
        assert await browser.eval("chat", TEXT, "#rating") == "5 / 5 — “Quick and clear”"

        # It is active: the next reply and the visitor's answer show up, and the costs with them.
        await chat.reply("It ships in 3-5 days.")
        await chat.visitor("Great, thanks")
        await shows_the_conversation(browser, workspace, chat.id)
        await browser("screenshot", "chat", path=str(screenshots / "dashboard-conversation.png"))

        # The usage chart: a bar and a point per day, with the API's exact numbers; TEST
        # conversations only once asked for.
        zone = await browser.eval("chat", ZONE)
        usage = f"{dashboard}?page=usage&from=2026-11-01&to=2026-11-03"
        await browser("goto", "chat", url=usage)
        await browser.wait("chat", READY, "section.usage")
        window = {
            "startedAfter": datetime(2026, 11, 1, tzinfo=ZoneInfo(zone)).isoformat(),
            "startedBefore": datetime(2026, 11, 4, tzinfo=ZoneInfo(zone)).isoformat(),
        }
        for summary in (window, {**window, "types": ["WEB_WIDGET", "TEST"]}):
            if "types" in summary:
                await browser("check", "chat", selector="#include-test")
                await browser.wait("chat", "() => location.search.includes('test=1')")
                await browser.wait("chat", READY, "section.usage")
            answer = await workspace.read(SUMMARY, {"filter": summary, "zone": zone})
            buckets = answer["usageSummary"]["buckets"]
            assert len(buckets) == 3
            chart = await browser.eval("chat", CHART)
            assert chart == [[each["cost"], each["conversations"]] for each in buckets]
            total = sum((Decimal(each["cost"]) for each in buckets), Decimal(0))
            totals = await browser.eval("chat", TEXT, "#usage-totals")
            assert totals.startswith(f"${total.normalize():f} over ")
        await browser(
            "screenshot", "chat", path=str(screenshots / "dashboard-usage.png"), fullPage=True
        )

        # At phone width the list is cards, and nothing is wider than the screen.
        await browser("page", name="phone", width=PHONE_WIDTH, height=844)
        await sign_in(browser, "phone", dashboard, workspace.secret)
        width = await browser.eval("phone", "() => document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH
        await browser("screenshot", "phone", path=str(screenshots / "dashboard-list-phone.png"))
    print(f"dashboard pages: {time.monotonic() - began:.1f} s")
