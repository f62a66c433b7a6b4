"""Keyset pages of a conversation's messages in sequence order, both ways, each conversation's and
each alias's pages kept apart, and the arguments they refuse."""

from typing import Any

import pytest

from resolvers.ids import encode_cursor
from tests.support import factories
from tests.support.api import Api
from tests.support.factories import reply, said
from tests.support.paging import MESSAGES, Page, assert_bad_user_input, gid


async def chatty_conversation(messages: int = 12) -> tuple[str, str]:
    """The key and ID of a conversation with `messages` messages, "message 1" … in order."""
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    records = [
        said(f"message {n}", n) if n % 2 else reply(f"message {n}", n, cost="0.000001")
        for n in range(1, messages + 1)
    ]
    row = await factories.conversation(workspace_id, bot.id, messages=records)
    return key, gid(row)


async def message_page(api: Api, key: str, conversation_id: str, **arguments: Any) -> Page:
    result = await api(MESSAGES, {"id": conversation_id, **arguments}, key=key)
    connection = result.data["conversation"]["messages"]
    page = Page.of(connection, "sequence")
    contents = [edge["node"]["content"] for edge in connection["edges"]]
    assert contents == [f"message {sequence}" for sequence in page.items]
    return page


async def test_messages_page_forward_in_sequence_order(api: Api) -> None:
    key, conversation_id = await chatty_conversation()
    pages = [await message_page(api, key, conversation_id, first=5)]
    while pages[-1].has_next:
        assert len(pages) < 10
        pages.append(await message_page(api, key, conversation_id, first=5, after=pages[-1].end))
    assert [page.items for page in pages] == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]
    assert [page.has_previous for page in pages] == [False, True, True]
    assert [page.has_next for page in pages] == [True, True, False]
    assert {page.total for page in pages} == {12}


async def test_messages_page_backward_from_the_latest(api: Api) -> None:
    key, conversation_id = await chatty_conversation()
    pages = [await message_page(api, key, conversation_id, last=5)]
    while pages[-1].has_previous:
        assert len(pages) < 10
        pages.append(await message_page(api, key, conversation_id, last=5, before=pages[-1].start))
    assert [page.items for page in pages] == [[8, 9, 10, 11, 12], [3, 4, 5, 6, 7], [1, 2]]
    assert [page.has_next for page in pages] == [False, True, True]
    assert [page.has_previous for page in pages] == [True, True, False]
    assert {page.total for page in pages} == {12}


async def test_messages_between_two_cursors(api: Api) -> None:
    key, conversation_id = await chatty_conversation()
    cursors = (await message_page(api, key, conversation_id, first=12)).cursors
    between = {"after": cursors[2], "before": cursors[7]}  # after message 3, before message 8

    forward = await message_page(api, key, conversation_id, first=10, **between)
    assert forward.items == [4, 5, 6, 7]
    assert (forward.has_previous, forward.has_next) == (True, True)

    backward = await message_page(api, key, conversation_id, last=2, **between)
    assert backward.items == [6, 7]
    assert (backward.has_previous, backward.has_next) == (True, True)


async def test_messages_past_either_end_are_empty_pages(api: Api) -> None:
    key, conversation_id = await chatty_conversation()
    cursors = (await message_page(api, key, conversation_id, first=12)).cursors

    after_last = await message_page(api, key, conversation_id, first=5, after=cursors[-1])
    assert after_last.items == []
    assert (after_last.has_previous, after_last.has_next) == (True, False)

    before_first = await message_page(api, key, conversation_id, last=5, before=cursors[0])
    assert before_first.items == []
    assert (before_first.has_previous, before_first.has_next) == (False, True)


async def test_messages_default_to_the_first_20(api: Api) -> None:
    key, conversation_id = await chatty_conversation(21)
    page = await message_page(api, key, conversation_id)
    assert page.items == list(range(1, 21))
    assert (page.has_previous, page.has_next, page.total) == (False, True, 21)


async def test_a_conversation_without_messages_has_an_empty_page(api: Api) -> None:
    key, conversation_id = await chatty_conversation(0)
    for arguments in ({}, {"first": 5}, {"last": 5}):
        page = await message_page(api, key, conversation_id, **arguments)
        assert (page.items, page.has_previous, page.has_next, page.total) == ([], False, False, 0)


async def test_each_listed_conversation_pages_its_own_messages(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    for start, count in ((0, 4), (10, 1), (20, 3)):
        messages = [said(f"c{start} m{n}", start + n) for n in range(1, count + 1)]
        await factories.conversation(workspace_id, bot.id, minute=start, messages=messages)
    result = await api(
        """{ conversations(orderBy: {field: STARTED_AT, direction: ASC}) { edges { node {
             messages(last: 2) { pageInfo { hasNextPage hasPreviousPage }
                                 edges { node { content } } } } } } }""",
        key=key,
    )
    pages = [edge["node"]["messages"] for edge in result.data["conversations"]["edges"]]
    assert [[e["node"]["content"] for e in page["edges"]] for page in pages] == [
        ["c0 m3", "c0 m4"],
        ["c10 m1"],
        ["c20 m2", "c20 m3"],
    ]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [True, False, True]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [False, False, False]


async def test_two_pages_of_one_conversation_in_one_request_stay_apart(api: Api) -> None:
    key, conversation_id = await chatty_conversation(6)
    result = await api(
        """query($id: ID!) { conversation(id: $id) {
             head: messages(first: 2) { edges { node { sequence } } }
             tail: messages(last: 2) { edges { node { sequence } } }
             all: messages { edges { node { sequence } } } } }""",
        {"id": conversation_id},
        key=key,
    )
    pages = result.data["conversation"]
    sequences = {
        name: [edge["node"]["sequence"] for edge in page["edges"]] for name, page in pages.items()
    }
    assert sequences == {"head": [1, 2], "tail": [5, 6], "all": [1, 2, 3, 4, 5, 6]}


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({"first": 0}, id="first 0"),
        pytest.param({"first": 101}, id="first 101"),
        pytest.param({"last": 0}, id="last 0"),
        pytest.param({"last": 101}, id="last 101"),
        pytest.param({"first": 2, "last": 2}, id="first and last"),
        pytest.param({"after": "garbage"}, id="garbage after"),
        pytest.param({"before": "garbage"}, id="garbage before"),
        pytest.param({"after": encode_cursor("m", [-1])}, id="negative sequence"),
        pytest.param({"after": encode_cursor("m", ["3"])}, id="text sequence"),
        pytest.param({"after": encode_cursor("m", [3, 4])}, id="two sequences"),
        pytest.param(
            {"after": encode_cursor("c:STARTED_AT:desc", ["2026-11-01T09:00:00+00:00", 1])},
            id="a conversation cursor",
        ),
    ],
)
async def test_bad_message_page_arguments_are_bad_user_input(
    api: Api, arguments: dict[str, Any]
) -> None:
    key, conversation_id = await chatty_conversation(3)
    assert_bad_user_input(await api(MESSAGES, {"id": conversation_id, **arguments}, key=key))
