"""Keyset pages of conversations (every ordering, both ways) and of a conversation's messages.

The conversations share a handful of values per ordering, so pages cut through runs of ties: only a
correct tie-break by ID walks them without gaps or repeats.
"""

from dataclasses import dataclass
from typing import Any

import pytest

from models import Conversation
from resolvers.ids import encode_cursor, encode_id, seal
from tests import factories
from tests.api import Api, Result
from tests.factories import reply, said

CONVERSATIONS = """
query Page($orderBy: ConversationOrder, $filter: ConversationFilter,
           $first: Int, $after: String, $last: Int, $before: String) {
  conversations(orderBy: $orderBy, filter: $filter,
                first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}
"""

MESSAGES = """
query Messages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  conversation(id: $id) {
    messages(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { sequence content } }
    }
  }
}
"""

FIELDS = ["STARTED_AT", "LAST_ACTIVITY_AT", "COST", "MESSAGE_COUNT"]
COSTS = ("0.000002", "9.99", "10.5")
"""As text "10.5" sorts before "9.99": ordering by cost must compare numbers."""
MICROSECOND = 1 / 60_000_000  # in minutes
NEAR = (-MICROSECOND, 0.0, MICROSECOND)
"""Times a microsecond apart, with and without a fraction of a second: stored as text on SQLite,
"09:10:00+00:00" must still sort before "09:10:00.000001+00:00"."""


@dataclass(frozen=True)
class Page:
    """One page of a connection, checked for agreement between its edges and its pageInfo."""

    items: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total: int

    @property
    def start(self) -> str:
        return self.cursors[0]

    @property
    def end(self) -> str:
        return self.cursors[-1]

    @classmethod
    def of(cls, connection: dict[str, Any], item: str) -> "Page":
        edges = connection["edges"]
        info = connection["pageInfo"]
        cursors = [edge["cursor"] for edge in edges]
        assert info["startCursor"] == (cursors[0] if cursors else None)
        assert info["endCursor"] == (cursors[-1] if cursors else None)
        return cls(
            items=[edge["node"][item] for edge in edges],
            cursors=cursors,
            has_next=info["hasNextPage"],
            has_previous=info["hasPreviousPage"],
            total=connection["totalCount"],
        )


def gid(row: Conversation) -> str:
    return encode_id("Conversation", row.id)


def assert_bad_user_input(result: Result) -> None:
    assert result.codes, "the request was accepted"
    assert set(result.codes) == {"BAD_USER_INPUT"}, result.errors


# --- conversations -----------------------------------------------------------------------------


async def conversation_page(api: Api, key: str, **arguments: Any) -> Page:
    result = await api(CONVERSATIONS, arguments, key=key)
    return Page.of(result.data["conversations"], "id")


async def walk_forward(api: Api, key: str, size: int, **arguments: Any) -> list[Page]:
    pages = [await conversation_page(api, key, first=size, **arguments)]
    while pages[-1].has_next:
        assert len(pages) < 50, "the walk does not end"
        pages.append(
            await conversation_page(api, key, first=size, after=pages[-1].end, **arguments)
        )
    return pages


async def walk_backward(api: Api, key: str, size: int, **arguments: Any) -> list[Page]:
    pages = [await conversation_page(api, key, last=size, **arguments)]
    while pages[-1].has_previous:
        assert len(pages) < 50, "the walk does not end"
        pages.append(
            await conversation_page(api, key, last=size, before=pages[-1].start, **arguments)
        )
    return pages


async def tied_conversations(count: int = 25) -> tuple[str, list[Conversation]]:
    """`count` conversations sharing 3 values of each ordering, plus a stranger's to be left out.

    The values repeat with different periods, so each ordering groups the rows differently.
    """
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    rows = []
    for i in range(count):
        start = 10 + NEAR[i % 3]
        questions = [said(f"question {n}", 11) for n in range((i // 3) % 3)]
        answer = reply("answer", 40 + NEAR[(i // 5) % 3], cost=COSTS[(i // 2) % 3])
        rows.append(
            await factories.conversation(
                workspace_id, bot.id, minute=start, messages=[*questions, answer]
            )
        )
    stranger_id, _ = await factories.workspace("Stranger Co")
    stranger_bot = await factories.assistant(stranger_id)
    for near in NEAR:
        await factories.conversation(
            stranger_id, stranger_bot.id, minute=10 + near, messages=[reply("x", 40, cost="9.99")]
        )
    return key, rows


def sort_value(row: Conversation, field: str) -> Any:
    return {
        "STARTED_AT": row.started_at,
        "LAST_ACTIVITY_AT": row.last_activity_at,
        "COST": row.cost,
        "MESSAGE_COUNT": row.message_count,
    }[field]


def expected_order(rows: list[Conversation], field: str, direction: str) -> list[str]:
    """Sort value, then ID, both in the asked direction."""
    ordered = sorted(
        rows, key=lambda row: (sort_value(row, field), row.id), reverse=direction == "DESC"
    )
    return [gid(row) for row in ordered]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", FIELDS)
async def test_walking_forward_visits_every_conversation_once_in_order(
    api: Api, field: str, direction: str
) -> None:
    key, rows = await tied_conversations()
    expected = expected_order(rows, field, direction)
    assert expected != [gid(row) for row in rows], "the data must not already be in order"

    pages = await walk_forward(api, key, 4, orderBy={"field": field, "direction": direction})

    assert [item for page in pages for item in page.items] == expected
    assert [len(page.items) for page in pages] == [4, 4, 4, 4, 4, 4, 1]
    assert [page.has_previous for page in pages] == [False] + [True] * 6
    assert [page.has_next for page in pages] == [True] * 6 + [False]
    assert {page.total for page in pages} == {25}


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", FIELDS)
async def test_walking_backward_visits_every_conversation_once_in_order(
    api: Api, field: str, direction: str
) -> None:
    key, rows = await tied_conversations()
    expected = expected_order(rows, field, direction)

    pages = await walk_backward(api, key, 6, orderBy={"field": field, "direction": direction})

    assert [item for page in reversed(pages) for item in page.items] == expected
    assert [len(page.items) for page in pages] == [6, 6, 6, 6, 1]
    assert [page.has_next for page in pages] == [False] + [True] * 4
    assert [page.has_previous for page in pages] == [True] * 4 + [False]
    assert {page.total for page in pages} == {25}


async def test_the_default_order_is_newest_first_with_ties_by_descending_id(api: Api) -> None:
    key, rows = await tied_conversations(9)
    page = await conversation_page(api, key, first=100)
    assert page.items == expected_order(rows, "STARTED_AT", "DESC")
    assert (page.has_next, page.has_previous) == (False, False)


@pytest.mark.parametrize("field", FIELDS)
async def test_a_forward_cursor_leads_back_to_the_previous_page(api: Api, field: str) -> None:
    key, rows = await tied_conversations(12)
    order = {"field": field, "direction": "DESC"}
    expected = expected_order(rows, field, "DESC")
    first, second, *_ = await walk_forward(api, key, 5, orderBy=order)
    back = await conversation_page(api, key, orderBy=order, last=5, before=second.start)
    assert back.items == first.items == expected[:5]
    assert (back.has_previous, back.has_next) == (False, True)


async def test_before_and_after_together_bound_the_page_on_both_sides(api: Api) -> None:
    key, rows = await tied_conversations(12)
    order = {"field": "COST", "direction": "ASC"}
    expected = expected_order(rows, "COST", "ASC")
    cursors = (await conversation_page(api, key, orderBy=order, first=12)).cursors
    between = {"orderBy": order, "after": cursors[2], "before": cursors[9]}

    forward = await conversation_page(api, key, first=4, **between)
    assert forward.items == expected[3:7]
    assert (forward.has_previous, forward.has_next) == (True, True)

    backward = await conversation_page(api, key, last=4, **between)
    assert backward.items == expected[5:9]
    assert (backward.has_previous, backward.has_next) == (True, True)

    everything = await conversation_page(api, key, first=100, **between)
    assert everything.items == expected[3:9]


async def test_first_with_before_and_last_with_after(api: Api) -> None:
    key, rows = await tied_conversations(12)
    order = {"field": "MESSAGE_COUNT", "direction": "ASC"}
    expected = expected_order(rows, "MESSAGE_COUNT", "ASC")
    cursors = (await conversation_page(api, key, orderBy=order, first=12)).cursors

    head = await conversation_page(api, key, orderBy=order, first=3, before=cursors[8])
    assert head.items == expected[:3]
    assert (head.has_previous, head.has_next) == (False, True)

    tail = await conversation_page(api, key, orderBy=order, last=3, after=cursors[2])
    assert tail.items == expected[9:]
    assert (tail.has_previous, tail.has_next) == (True, False)


async def test_paging_a_filtered_list_keeps_the_filter_on_every_page(api: Api) -> None:
    key, rows = await tied_conversations(15)
    order = {"field": "COST", "direction": "DESC"}
    where = {"minCost": "9.99"}
    expected = expected_order([row for row in rows if row.cost >= 9], "COST", "DESC")
    assert 0 < len(expected) < len(rows)

    pages = await walk_forward(api, key, 3, orderBy=order, filter=where)
    assert [item for page in pages for item in page.items] == expected
    assert {page.total for page in pages} == {len(expected)}

    pages = await walk_backward(api, key, 3, orderBy=order, filter=where)
    assert [item for page in reversed(pages) for item in page.items] == expected


async def test_the_end_of_the_list_is_an_empty_page_that_looks_back(api: Api) -> None:
    key, _ = await tied_conversations(3)
    order = {"field": "STARTED_AT", "direction": "ASC"}
    full = await conversation_page(api, key, orderBy=order, first=3)
    assert full.has_next is False
    result = await api(CONVERSATIONS, {"orderBy": order, "first": 3, "after": full.end}, key=key)
    connection = result.data["conversations"]
    assert connection["edges"] == []
    assert connection["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }
    assert connection["totalCount"] == 3


async def test_an_empty_workspace_has_an_empty_first_page(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api(CONVERSATIONS, {"first": 10}, key=key)
    assert result.data["conversations"] == {
        "totalCount": 0,
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
        "edges": [],
    }


@pytest.mark.parametrize("size", [1, 100])
async def test_page_sizes_of_1_and_100_are_accepted(api: Api, size: int) -> None:
    key, _ = await tied_conversations(3)
    for argument in ("first", "last"):
        page = await conversation_page(api, key, **{argument: size})
        assert len(page.items) == min(size, 3)


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


# --- messages ----------------------------------------------------------------------------------


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
