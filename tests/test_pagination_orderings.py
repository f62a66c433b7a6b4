"""Keyset walks over conversations in every ordering, both ways, through runs of tied values: each
conversation is visited once, in sort value then ID order."""

import pytest

from tests.support.api import Api
from tests.support.paging import (
    FIELDS,
    conversation_page,
    expected_order,
    gid,
    tied_conversations,
    walk_backward,
    walk_forward,
)


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
