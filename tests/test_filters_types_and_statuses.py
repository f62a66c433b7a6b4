"""ConversationFilter `types` and `statuses`: "any of these", so an empty list keeps nothing and
leaving `types` out keeps every type."""

import pytest

from models.enums import ConversationType
from tests.support.api import Api
from tests.support.filtering import world


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["TEST"], {"test chat"}),
        (["WEB_WIDGET"], {"widget"}),
        (["TEST", "WEB_WIDGET"], {"test chat", "widget"}),
        ([], set()),
        (None, {"test chat", "widget"}),
    ],
)
async def test_types_keeps_only_conversations_of_those_types(
    api: Api, types: list[str] | None, expected: set[str]
) -> None:
    w = await world()
    await w.add("test chat", type=ConversationType.TEST)
    await w.add("widget", type=ConversationType.WEB_WIDGET)
    await w.add_stranger("stranger test chat", type=ConversationType.TEST)
    await w.add_stranger("stranger widget", type=ConversationType.WEB_WIDGET)
    assert await w.find(api, {"types": types}) == expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["ACTIVE"], {"active"}),
        (["ENDED"], {"ended"}),
        (["ACTIVE", "ENDED"], {"active", "ended"}),
        ([], set()),
    ],
)
async def test_statuses_keeps_only_conversations_in_those_statuses(
    api: Api, statuses: list[str], expected: set[str]
) -> None:
    w = await world()
    await w.add("active")
    await w.add("ended", ended_minute=5)
    await w.add_stranger("stranger active")
    await w.add_stranger("stranger ended", ended_minute=5)
    assert await w.find(api, {"statuses": statuses}) == expected
