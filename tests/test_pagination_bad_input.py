"""What a conversation page refuses as BAD_USER_INPUT: sizes outside 1 to 100, cursors that are not
ours, edited, or from another ordering or connection, and unknown orderings."""

import pytest

from resolvers.ids import encode_cursor, seal
from tests.support import factories
from tests.support.api import Api
from tests.support.factories import said
from tests.support.paging import (
    CONVERSATIONS,
    MESSAGES,
    assert_bad_user_input,
    conversation_page,
    gid,
    tied_conversations,
)


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({"first": 0}, id="first 0"),
        pytest.param({"first": 101}, id="first 101"),
        pytest.param({"first": -1}, id="first negative"),
        pytest.param({"last": 0}, id="last 0"),
        pytest.param({"last": 101}, id="last 101"),
        pytest.param({"first": 5, "last": 5}, id="first and last"),
    ],
)
async def test_page_sizes_outside_1_to_100_are_bad_user_input(
    api: Api, arguments: dict[str, int]
) -> None:
    key, _ = await tied_conversations(3)
    assert_bad_user_input(await api(CONVERSATIONS, arguments, key=key))


GARBAGE_CURSORS = [
    pytest.param("garbage", id="garbage"),
    pytest.param("", id="empty"),
    pytest.param("====", id="padding only"),
    pytest.param("x" * 600, id="very long"),
    pytest.param("WyJtIiwzXQ", id="unsealed base64 of JSON"),
    pytest.param(seal("not json"), id="sealed text that is not JSON"),
    pytest.param(seal('{"c": 1}'), id="sealed JSON that is not a list"),
    pytest.param(encode_cursor("c:STARTED_AT:desc", ["yesterday", 1]), id="not a time"),
    pytest.param(encode_cursor("c:STARTED_AT:desc", ["2026-11-01T09:00:00+00:00"]), id="no id"),
    pytest.param(
        encode_cursor("c:STARTED_AT:desc", ["2026-11-01T09:00:00+00:00", "1"]), id="text id"
    ),
]


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
@pytest.mark.parametrize("argument", ["after", "before"])
async def test_a_cursor_that_is_not_ours_is_bad_user_input(
    api: Api, argument: str, cursor: str
) -> None:
    key, _ = await tied_conversations(3)
    assert_bad_user_input(await api(CONVERSATIONS, {argument: cursor}, key=key))


async def test_a_cursor_with_any_one_character_changed_is_bad_user_input(api: Api) -> None:
    key, _ = await tied_conversations(3)
    order = {"field": "COST", "direction": "ASC"}
    cursor = (await conversation_page(api, key, orderBy=order, first=2)).end
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position, character in enumerate(cursor):
        changed = alphabet[(alphabet.index(character) + 1) % len(alphabet)]
        edited = cursor[:position] + changed + cursor[position + 1 :]
        result = await api(CONVERSATIONS, {"orderBy": order, "after": edited}, key=key)
        assert result.codes == ["BAD_USER_INPUT"], (position, edited, result.body)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"field": "COST", "direction": "DESC"}, id="another field"),
        pytest.param({"field": "STARTED_AT", "direction": "ASC"}, id="the other direction"),
        pytest.param({"field": "LAST_ACTIVITY_AT", "direction": "ASC"}, id="both differ"),
    ],
)
@pytest.mark.parametrize("argument", ["after", "before"])
async def test_a_cursor_from_another_ordering_is_bad_user_input(
    api: Api, argument: str, other: dict[str, str]
) -> None:
    key, _ = await tied_conversations(3)
    cursor = (await conversation_page(api, key, first=2)).end  # STARTED_AT DESC, the default
    same = await api(CONVERSATIONS, {argument: cursor}, key=key)
    assert same.data is not None
    assert_bad_user_input(await api(CONVERSATIONS, {"orderBy": other, argument: cursor}, key=key))


async def test_a_message_cursor_is_bad_user_input_for_conversations(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    row = await factories.conversation(workspace_id, bot.id, messages=[said("Hi", 1)])
    result = await api(MESSAGES, {"id": gid(row)}, key=key)
    message_cursor = result.data["conversation"]["messages"]["edges"][0]["cursor"]
    assert_bad_user_input(await api(CONVERSATIONS, {"after": message_cursor}, key=key))


@pytest.mark.parametrize(
    "order",
    [
        "{field: NAME, direction: ASC}",
        "{field: COST, direction: UP}",
        "{field: COST}",
        '{field: "COST", direction: "ASC"}',
    ],
)
async def test_an_unknown_ordering_is_bad_user_input(api: Api, order: str) -> None:
    _, key = await factories.workspace()
    result = await api(f"{{ conversations(orderBy: {order}) {{ totalCount }} }}", key=key)
    assert_bad_user_input(result)
