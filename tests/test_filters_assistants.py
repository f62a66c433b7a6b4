"""ConversationFilter `assistantIds`: only our workspace's assistants count, and an ID that is not
an assistant's is refused rather than ignored."""

import pytest

from resolvers.ids import encode_id, seal
from tests.support import factories
from tests.support.api import Api
from tests.support.filtering import assistant_id, world


async def test_assistant_ids_keeps_only_conversations_of_those_assistants(api: Api) -> None:
    w = await world()
    sales = await factories.assistant(w.workspace_id, "Sales bot")
    billing = await factories.assistant(w.workspace_id, "Billing bot")
    await w.add("support")
    await w.add("sales", bot=sales)
    await w.add("billing", bot=billing)
    await w.add_stranger("stranger")

    assert await w.find(api, {"assistantIds": [assistant_id(sales)]}) == {"sales"}
    both = [assistant_id(sales), assistant_id(billing)]
    assert await w.find(api, {"assistantIds": both}) == {"sales", "billing"}
    assert await w.find(api, {"assistantIds": []}) == set()


async def test_another_workspaces_assistant_id_yields_no_rows(api: Api) -> None:
    w = await world()
    await w.add("ours")
    await w.add_stranger("theirs")
    theirs = assistant_id(w.stranger_bot)
    assert await w.find(api, {"assistantIds": [theirs]}) == set()
    assert await w.find(api, {"assistantIds": [theirs, assistant_id(w.bot)]}) == {"ours"}


async def test_an_assistant_id_that_matches_no_assistant_yields_no_rows(api: Api) -> None:
    w = await world()
    await w.add("ours")
    assert await w.find(api, {"assistantIds": [encode_id("Assistant", 987654)]}) == set()


@pytest.mark.parametrize(
    "bad_id",
    [
        pytest.param("not-an-id", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param("1", id="bare row number"),
        pytest.param(seal("Assistant:one"), id="key not a number"),
        pytest.param(encode_id("Conversation", 1), id="id of another type"),
        pytest.param(encode_id("Assistant", 1)[:-2], id="truncated"),
    ],
)
async def test_a_malformed_assistant_id_is_bad_user_input(api: Api, bad_id: str) -> None:
    w = await world()
    await w.add("ours")
    await w.refuse(api, {"assistantIds": [bad_id]})
