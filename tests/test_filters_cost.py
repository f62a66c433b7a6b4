"""ConversationFilter `minCost` and `maxCost`: exact decimal comparison (not text order, not
floats), and refusal of anything that is not an exact decimal."""

from typing import Any

import pytest

from tests.support.api import Api
from tests.support.factories import reply, said
from tests.support.filtering import World, world


async def cost_world() -> World:
    """Costs chosen so that text order ("10.5" < "9.99") and float rounding would both go wrong."""
    w = await world()
    await w.add("free")
    for name, cost in (
        ("0.000002", "0.000002"),
        ("0.000003", "0.000003"),
        ("9.99", "9.99"),
        ("10.5", "10.5"),
        ("100", "100"),
    ):
        await w.add(name, messages=[said("Hi", 1), reply("Hello", 2, cost=cost)])
    await w.add_stranger("stranger 10.5", messages=[reply("Hello", 2, cost="10.5")])
    await w.add_stranger("stranger free")
    return w


EVERY_COST = {"free", "0.000002", "0.000003", "9.99", "10.5", "100"}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        pytest.param({"minCost": "0.000003"}, {"0.000003", "9.99", "10.5", "100"}, id="min exact"),
        pytest.param(
            {"minCost": "0.0000025"}, {"0.000003", "9.99", "10.5", "100"}, id="min between"
        ),
        pytest.param(
            {"minCost": "0.0000020000001"},
            {"0.000003", "9.99", "10.5", "100"},
            id="min beyond stored precision",
        ),
        pytest.param({"maxCost": "0.000002"}, {"free", "0.000002"}, id="max exact"),
        pytest.param({"maxCost": "0.0000029999999"}, {"free", "0.000002"}, id="max just below"),
        pytest.param(
            {"minCost": "0.000002", "maxCost": "0.000002"}, {"0.000002"}, id="min equals max"
        ),
        pytest.param({"minCost": "10"}, {"10.5", "100"}, id="min 10, not text order"),
        pytest.param(
            {"maxCost": "10"}, {"free", "0.000002", "0.000003", "9.99"}, id="max 10, not text order"
        ),
        pytest.param({"minCost": "9.99", "maxCost": "10.5"}, {"9.99", "10.5"}, id="window"),
        pytest.param({"minCost": "10.5", "maxCost": "9.99"}, set(), id="empty window"),
        pytest.param({"minCost": "0"}, EVERY_COST, id="min zero"),
        pytest.param({"maxCost": "0"}, {"free"}, id="max zero"),
        pytest.param({"minCost": "-5"}, EVERY_COST, id="min negative"),
        pytest.param({"minCost": "100.000000000001"}, set(), id="min just above the top"),
        pytest.param({"minCost": "1E+1"}, {"10.5", "100"}, id="exponent notation"),
        pytest.param({"minCost": 10}, {"10.5", "100"}, id="JSON integer"),
        pytest.param({"maxCost": "1000000000"}, EVERY_COST, id="max a billion"),
        pytest.param({"minCost": "1000000000"}, set(), id="min a billion"),
        pytest.param({"maxCost": "-1000000000"}, set(), id="max minus a billion"),
        pytest.param({"minCost": "-1000000000"}, EVERY_COST, id="min minus a billion"),
    ],
)
async def test_min_and_max_cost_compare_exact_decimals(
    api: Api, where: dict[str, Any], expected: set[str]
) -> None:
    w = await cost_world()
    assert await w.find(api, where) == expected


async def test_a_cost_written_inline_as_a_number_keeps_its_exact_digits(api: Api) -> None:
    w = await cost_world()
    result = await api(
        """{ conversationCount(filter: {minCost: 0.000003})
             low: conversationCount(filter: {maxCost: 0.0000029999999999}) }""",
        key=w.key,
    )
    assert result.data == {"conversationCount": 4, "low": 2}


@pytest.mark.parametrize(
    "cost",
    [
        pytest.param(0.5, id="JSON float"),
        pytest.param(10.0, id="JSON float with integral value"),
        pytest.param("ten", id="words"),
        pytest.param("NaN", id="NaN"),
        pytest.param("Infinity", id="infinity"),
        pytest.param("", id="empty"),
        pytest.param(True, id="boolean"),
    ],
)
async def test_a_cost_that_is_not_an_exact_decimal_is_bad_user_input(api: Api, cost: Any) -> None:
    w = await world()
    await w.refuse(api, {"minCost": cost})
    await w.refuse(api, {"maxCost": cost})
