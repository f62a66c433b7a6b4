"""ConversationFilter `variables`: equality by JSON value and type (not text), null versus absent,
and every condition holding at once."""

from typing import Any

import pytest

from models.enums import VariableSource, VariableType
from resolvers.imports import VariableRecord
from tests.support.api import Api
from tests.support.factories import variable
from tests.support.filtering import world


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param({"equals": "ada@example.com"}, {"ada", "ada extracted"}, id="string"),
        pytest.param({"equals": "bob@example.com"}, {"bob"}, id="other string"),
        pytest.param({"equals": "ada"}, set(), id="no partial match"),
    ],
)
async def test_variable_equals_a_string(
    api: Api, condition: dict[str, Any], expected: set[str]
) -> None:
    w = await world()
    await w.add("ada", variables=[variable("email", "ada@example.com")])
    await w.add("bob", variables=[variable("email", "bob@example.com")])
    await w.add(
        "ada extracted",
        variables=[
            variable("email", "typo@example.con"),
            variable("email", "ada@example.com", source=VariableSource.EXTRACTED),
        ],
    )
    await w.add("other name", variables=[variable("contact", "ada@example.com")])
    await w.add("none")
    await w.add_stranger("stranger", variables=[variable("email", "ada@example.com")])
    assert await w.find(api, {"variables": [{"name": "email", **condition}]}) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(2, {"2", "2.0"}, id="int"),
        pytest.param(2.0, {"2", "2.0"}, id="float equal to an int"),
        pytest.param(2.5, {"2.5"}, id="fraction"),
        pytest.param(20, {"20"}, id="twenty"),
        pytest.param("2", {"text 2"}, id="text is not a number"),
        pytest.param(3, set(), id="absent number"),
    ],
)
async def test_variable_equals_a_number(api: Api, value: Any, expected: set[str]) -> None:
    w = await world()
    for name, stored in (("2", 2), ("2.0", 2.0), ("2.5", 2.5), ("20", 20), ("text 2", "2")):
        await w.add(name, variables=[variable("seats", stored, type=VariableType.NUMBER)])
    await w.add_stranger("stranger", variables=[variable("seats", 2, type=VariableType.NUMBER)])
    assert await w.find(api, {"variables": [{"name": "seats", "equals": value}]}) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, {"yes"}), (False, {"no"}), (1, {"one"}), ("true", {"text true"})],
    ids=["true", "false", "1 is not true", "text is not a boolean"],
)
async def test_variable_equals_a_boolean(api: Api, value: Any, expected: set[str]) -> None:
    w = await world()
    for name, stored in (("yes", True), ("no", False), ("one", 1), ("text true", "true")):
        await w.add(name, variables=[variable("consent", stored, type=VariableType.BOOLEAN)])
    await w.add_stranger("stranger", variables=[variable("consent", True)])
    assert await w.find(api, {"variables": [{"name": "consent", "equals": value}]}) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"city": "Oslo", "zip": "0150", "floor": 2}, {"oslo"}, id="same order"),
        pytest.param({"zip": "0150", "floor": 2.0, "city": "Oslo"}, {"oslo"}, id="other order"),
        pytest.param({"city": "Oslo"}, set(), id="a part is not equal"),
        pytest.param({"city": "Oslo", "zip": "0150", "floor": 3}, set(), id="a value differs"),
        pytest.param(
            {"city": "Bergen", "tags": ["b", "a"], "geo": {"lon": 5.3, "lat": 60.4}},
            {"bergen"},
            id="nested, other order",
        ),
        pytest.param(
            {"city": "Bergen", "tags": ["a", "b"], "geo": {"lat": 60.4, "lon": 5.3}},
            set(),
            id="list order matters",
        ),
    ],
)
async def test_variable_equals_an_object_whatever_its_key_order(
    api: Api, value: dict[str, Any], expected: set[str]
) -> None:
    w = await world()
    await w.add(
        "oslo", variables=[variable("address", {"floor": 2, "city": "Oslo", "zip": "0150"})]
    )
    await w.add(
        "oslo as text", variables=[variable("address", '{"city":"Oslo","floor":2,"zip":"0150"}')]
    )
    await w.add(
        "bergen",
        variables=[
            variable(
                "address", {"geo": {"lat": 60.4, "lon": 5.3}, "tags": ["b", "a"], "city": "Bergen"}
            )
        ],
    )
    await w.add_stranger(
        "stranger", variables=[variable("address", {"city": "Oslo", "zip": "0150", "floor": 2})]
    )
    assert await w.find(api, {"variables": [{"name": "address", "equals": value}]}) == expected


async def test_variable_equals_an_object_written_inline(api: Api) -> None:
    w = await world()
    await w.add("oslo", variables=[variable("address", {"city": "Oslo", "zip": "0150"})])
    await w.add("bergen", variables=[variable("address", {"city": "Bergen", "zip": "5003"})])
    result = await api(
        """{ conversations(filter: {variables: [
               {name: "address", equals: {zip: "0150", city: "Oslo"}}]}) {
             edges { node { id } } } }""",
        key=w.key,
    )
    ids = [edge["node"]["id"] for edge in result.data["conversations"]["edges"]]
    assert [w.names[pk] for pk in ids] == ["oslo"]


NICKNAMES: list[tuple[str, list[VariableRecord]]] = [
    ("null", [variable("nickname", None)]),
    ("empty text", [variable("nickname", "")]),
    ("text null", [variable("nickname", "null")]),
    ("named", [variable("nickname", "Ada")]),
    ("extracted", [variable("nickname", "Ace", source=VariableSource.EXTRACTED)]),
    ("other variable", [variable("email", "ada@example.com")]),
    ("none", []),
]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param({"equals": None}, {"null"}, id="equals null"),
        pytest.param({"equals": ""}, {"empty text"}, id="equals empty text"),
        pytest.param({"equals": "null"}, {"text null"}, id="equals the text null"),
        pytest.param(
            {"exists": True},
            {"null", "empty text", "text null", "named", "extracted"},
            id="exists",
        ),
        pytest.param(
            {},
            {"null", "empty text", "text null", "named", "extracted"},
            id="name alone means exists",
        ),
        pytest.param({"exists": False}, {"other variable", "none"}, id="does not exist"),
        pytest.param({"equals": "Ada", "exists": True}, {"named"}, id="equals and exists"),
    ],
)
async def test_variable_null_and_existence(
    api: Api, condition: dict[str, Any], expected: set[str]
) -> None:
    w = await world()
    for name, values in NICKNAMES:
        await w.add(name, variables=values)
    await w.add_stranger("stranger with", variables=[variable("nickname", None)])
    await w.add_stranger("stranger without")
    assert await w.find(api, {"variables": [{"name": "nickname", **condition}]}) == expected


async def test_several_variable_conditions_must_all_hold(api: Api) -> None:
    w = await world()
    await w.add(
        "pro ada", variables=[variable("email", "ada@example.com"), variable("plan", "pro")]
    )
    await w.add(
        "free ada", variables=[variable("email", "ada@example.com"), variable("plan", "free")]
    )
    await w.add(
        "pro bob", variables=[variable("email", "bob@example.com"), variable("plan", "pro")]
    )
    await w.add("ada without plan", variables=[variable("email", "ada@example.com")])
    ada = {"name": "email", "equals": "ada@example.com"}
    assert await w.find(api, {"variables": [ada, {"name": "plan", "equals": "pro"}]}) == {"pro ada"}
    assert await w.find(api, {"variables": [ada, {"name": "plan", "exists": False}]}) == {
        "ada without plan"
    }
    assert await w.find(api, {"variables": [ada, {"name": "plan"}]}) == {"pro ada", "free ada"}


async def test_an_empty_variables_list_puts_no_condition(api: Api) -> None:
    # Unlike types/statuses/assistantIds ("any of these"), variables are "all of these": none is
    # vacuously true.
    w = await world()
    await w.add("with", variables=[variable("email", "ada@example.com")])
    await w.add("without")
    assert await w.find(api, {"variables": []}) == {"with", "without"}


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"equals": "ada@example.com", "exists": False}, id="a value"),
        pytest.param({"equals": None, "exists": False}, id="null"),
    ],
)
async def test_a_variable_that_equals_and_does_not_exist_is_bad_user_input(
    api: Api, condition: dict[str, Any]
) -> None:
    w = await world()
    await w.add("ada", variables=[variable("email", "ada@example.com")])
    await w.refuse(api, {"variables": [{"name": "email", **condition}]})
