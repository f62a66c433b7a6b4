"""Retention: a workspace's conversations older than it keeps them are erased by the sweeper, in
small batches, safely from several processes at once, never one it should keep."""

import asyncio

from prometheus_client import REGISTRY

from models import Conversation, Erasure
from models.enums import ApiKeyKind, ApiKeyScope, ConversationType
from resolvers.apikey import create_api_key
from resolvers.retention import RETENTION_BATCH, apply_retention
from tests.support import factories
from tests.support.api import Api
from tests.support.exporting import bulk
from tests.support.live import Desk

SET = """mutation($w: Int, $t: Int) { setRetention(webWidgetDays: $w, testDays: $t) {
  webWidgetDays testDays } }"""
DAY = 24 * 60


def _erased_total() -> float:
    return sum(
        REGISTRY.get_sample_value("parley_retention_erased_total", {"type": kind}) or 0.0
        for kind in ("WEB_WIDGET", "TEST")
    )


async def test_retention_is_set_per_type_and_checked(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    assert (await api("{ retention { webWidgetDays testDays } }", key=key)).data == {
        "retention": {"webWidgetDays": None, "testDays": None}
    }
    done = await api(SET, {"w": 30, "t": 7}, key=key)
    assert done.data == {"setRetention": {"webWidgetDays": 30, "testDays": 7}}
    for bad in ({"w": 0, "t": None}, {"w": 40_000, "t": None}):
        assert (await api(SET, bad, key=key)).codes == ["BAD_USER_INPUT"]
    _, reader = await create_api_key(workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ}))
    assert (await api(SET, {"w": None, "t": None}, key=reader)).codes == ["FORBIDDEN"]
    assert (await api("{ retention { webWidgetDays } }", key=reader)).data == {
        "retention": {"webWidgetDays": 30}
    }


async def test_the_sweep_erases_only_what_is_older_than_kept(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = (await factories.assistant(workspace_id)).id
    ages = {  # (type, days old) → kept?
        (ConversationType.WEB_WIDGET, 40): False,
        (ConversationType.WEB_WIDGET, 29): True,
        (ConversationType.TEST, 10): False,
        (ConversationType.TEST, 6): True,
    }
    now = factories.at(100 * DAY)
    ids = {}
    for (kind, days), _ in ages.items():
        row = await factories.conversation(
            workspace_id,
            bot,
            type=kind,
            minute=(100 - days) * DAY,
            messages=[factories.said("hi", (100 - days) * DAY + 1)],
        )
        ids[(kind, days)] = row.id
    other_id, _ = await factories.workspace("Forever")
    other = await factories.conversation(other_id, (await factories.assistant(other_id)).id)
    await api(SET, {"w": 30, "t": 7}, key=key)
    before = _erased_total()
    assert await apply_retention(now) == 2
    left = {row.id for row in await Conversation.filter(workspace_id=workspace_id)}
    assert left == {ids[age] for age, kept in ages.items() if kept}
    assert await Conversation.exists(id=other.id)  # a workspace that keeps everything
    assert _erased_total() - before == 2
    audit = await Erasure.filter(workspace_id=workspace_id).order_by("id")
    assert [(a.reason, a.conversations, a.by_key_id) for a in audit] == [
        ("RETENTION", 1, None),
        ("RETENTION", 1, None),
    ]
    assert await apply_retention(now) == 0  # nothing more, and no empty audit records
    assert await Erasure.filter(workspace_id=workspace_id).count() == 2
    counted = await api("{ conversationCount }", key=key)
    assert counted.data == {"conversationCount": 2}


async def test_concurrent_sweeps_and_writers_lose_nothing_that_is_kept(api: Api) -> None:
    desk = await Desk.open(api)
    old = RETENTION_BATCH * 3 + 17
    bot = await factories.assistant(desk.workspace_id, name="old")
    await bulk(desk.workspace_id, bot.id, old)  # all started in 2025
    await api(SET, {"w": 30, "t": 30}, key=desk.key)
    kept: list[str] = []

    async def writer() -> None:
        for n in range(15):
            conversation, _ = await desk.start(("TEST", "WEB_WIDGET")[n % 2])
            kept.append(conversation)
            await desk.send(conversation, n)

    # Two sweeps (as two server processes would run them) and live traffic, all at once.
    erased = await asyncio.gather(apply_retention(), apply_retention(), writer())
    assert erased[0] + erased[1] == old  # each old one erased once, by one of them
    left = await Conversation.filter(workspace_id=desk.workspace_id).count()
    assert left == len(kept) == 15
    audit = await Erasure.filter(workspace_id=desk.workspace_id)
    assert sum(a.conversations for a in audit) == old
    counts = await api(
        "{ conversationCount tests: conversationCount(filter: {types: [TEST]}) }", key=desk.key
    )
    assert counts.data == {"conversationCount": 15, "tests": 8}  # the badge's tally agrees
