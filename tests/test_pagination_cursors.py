"""Where conversation cursors lead: back to the previous page, between two cursors, and through a
filtered list with the filter kept on every page."""

import pytest

from tests.support.api import Api
from tests.support.paging import (
    FIELDS,
    conversation_page,
    expected_order,
    tied_conversations,
    walk_backward,
    walk_forward,
)


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
