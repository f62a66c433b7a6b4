"""ConversationFilter as a whole: no condition keeps the whole workspace, and all conditions at once
keep only what passes each of them."""

from typing import Any

from models.enums import ConversationType
from resolvers.imports import MessageRecord
from tests.support import factories
from tests.support.api import Api
from tests.support.factories import reply, said, variable
from tests.support.filtering import assistant_id, minute, world


async def test_no_filter_lists_every_conversation_of_the_workspace_and_no_other(api: Api) -> None:
    w = await world()
    await w.add("one")
    await w.add("two", type=ConversationType.TEST, ended_minute=3)
    await w.add_stranger("stranger")
    assert await w.find(api, None) == {"one", "two"}
    assert await w.find(api, {}) == {"one", "two"}


DROPPED = {
    "types": "wrong type",
    "statuses": "wrong status",
    "assistantIds": "wrong assistant",
    "startedAfter": "too early",
    "startedBefore": "too late",
    "search": "words apart",
    "variables": "wrong plan",
    "minCost": "too cheap",
    "maxCost": "too dear",
}
"""Each condition of the combined filter, and the conversation that fails it alone."""


async def test_every_condition_must_hold_at_once(api: Api) -> None:
    w = await world()
    other_bot = await factories.assistant(w.workspace_id, "Other bot")

    def costing(cost: str) -> list[MessageRecord]:
        return [said("Refund order 1234", 11), reply("Done", 12, cost=cost)]

    base: dict[str, Any] = {
        "type": ConversationType.TEST,
        "minute": 10,
        "ended_minute": 30,
        "messages": costing("10.5"),
        "variables": [variable("plan", "pro")],
    }
    await w.add("all", **base)
    await w.add("wrong type", **{**base, "type": ConversationType.WEB_WIDGET})
    await w.add("wrong status", **{**base, "ended_minute": None})
    await w.add("wrong assistant", bot=other_bot, **base)
    await w.add("too early", **{**base, "minute": 9})
    await w.add("too late", **{**base, "minute": 11})
    await w.add(
        "words apart",
        **{**base, "messages": [said("Refund please", 11), reply("1234", 12, cost="10.5")]},
    )
    await w.add("wrong plan", **{**base, "variables": [variable("plan", "free")]})
    await w.add("too cheap", **{**base, "messages": costing("9.99")})
    await w.add("too dear", **{**base, "messages": costing("11.5")})
    await w.add_stranger("stranger", **base)
    where = {
        "types": ["TEST"],
        "statuses": ["ENDED"],
        "assistantIds": [assistant_id(w.bot)],
        "startedAfter": minute(10),
        "startedBefore": minute(11),
        "search": "1234 refund",
        "variables": [{"name": "plan", "equals": "pro"}],
        "minCost": "10",
        "maxCost": "11",
    }
    assert set(where) == set(DROPPED)
    assert await w.find(api, where) == {"all"}
    for condition, failing in DROPPED.items():
        # Leaving one condition out lets back exactly the conversation that failed it alone.
        assert await w.find(api, {**where, condition: None}) == {"all", failing}, condition
