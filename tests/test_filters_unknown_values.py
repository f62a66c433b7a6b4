"""ConversationFilter values the schema does not know (types, statuses, fields, nameless variable
conditions) are BAD_USER_INPUT, whether sent as variables or written inline."""

from typing import Any

import pytest

from tests.support.api import Api
from tests.support.filtering import world


@pytest.mark.parametrize(
    "where",
    [
        pytest.param({"types": ["PHONE"]}, id="unknown type"),
        pytest.param({"types": ["test"]}, id="type in lower case"),
        pytest.param({"statuses": ["CLOSED"]}, id="unknown status"),
        pytest.param({"colour": "red"}, id="unknown field"),
        pytest.param({"variables": [{"equals": "x"}]}, id="condition without name"),
    ],
)
async def test_unknown_filter_values_in_variables_are_bad_user_input(
    api: Api, where: dict[str, Any]
) -> None:
    w = await world()
    await w.refuse(api, where)


@pytest.mark.parametrize(
    "literal",
    [
        "{types: [PHONE]}",
        '{types: ["TEST"]}',
        "{statuses: [CLOSED]}",
        '{colour: "red"}',
        "{minCost: true}",
        '{variables: [{equals: "x"}]}',
    ],
)
async def test_unknown_filter_values_written_inline_are_bad_user_input(
    api: Api, literal: str
) -> None:
    w = await world()
    for query in (
        f"{{ conversations(filter: {literal}) {{ totalCount }} }}",
        f"{{ conversationCount(filter: {literal}) }}",
    ):
        result = await api(query, key=w.key)
        assert result.codes, "the filter was accepted"
        assert set(result.codes) == {"BAD_USER_INPUT"}, result.body
