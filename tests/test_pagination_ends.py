"""Conversation pages at the ends: past the last row, in an empty workspace, and at the smallest and
largest page sizes."""

import pytest

from tests.support import factories
from tests.support.api import Api
from tests.support.paging import CONVERSATIONS, conversation_page, tied_conversations


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
