"""ConversationFilter, field by field: each test holds rows the filter must keep and rows it must
drop, and names the exact set it expects.

Every query also reads `conversationCount` with the same filter, so the badge is checked against
the list it counts. A second workspace holds conversations that would match every filter: they must
never show up.
"""

from dataclasses import dataclass, field
from typing import Any

import pytest

from models import Assistant
from models.enums import ConversationType, VariableSource, VariableType
from resolvers.ids import encode_id, seal
from resolvers.imports import MessageRecord, VariableRecord
from tests import factories
from tests.api import Api
from tests.factories import reply, said, variable

FIND = """
query Find($filter: ConversationFilter) {
  conversationCount(filter: $filter)
  conversations(filter: $filter, first: 100) { totalCount edges { node { id } } }
}
"""


@dataclass
class World:
    """Our workspace and a stranger's, with every conversation known by a name."""

    workspace_id: int
    key: str
    bot: Assistant
    stranger_workspace_id: int
    stranger_bot: Assistant
    names: dict[str, str] = field(default_factory=dict)

    async def add(self, name: str, *, bot: Assistant | None = None, **fields: Any) -> None:
        """A conversation in our workspace (by `bot`, default our first assistant)."""
        row = await factories.conversation(self.workspace_id, (bot or self.bot).id, **fields)
        self.names[encode_id("Conversation", row.id)] = name

    async def add_stranger(self, name: str, **fields: Any) -> None:
        """A conversation in the other workspace."""
        row = await factories.conversation(
            self.stranger_workspace_id, self.stranger_bot.id, **fields
        )
        self.names[encode_id("Conversation", row.id)] = name

    async def find(self, api: Api, where: dict[str, Any] | None) -> set[str]:
        """Names of the listed conversations, after checking that the count agrees with the list."""
        data = (await api(FIND, {"filter": where}, key=self.key)).data
        connection = data["conversations"]
        ids = [edge["node"]["id"] for edge in connection["edges"]]
        assert len(ids) == len(set(ids)), "a conversation is listed twice"
        assert data["conversationCount"] == connection["totalCount"] == len(ids)
        return {self.names.get(pk, f"unknown {pk}") for pk in ids}

    async def refuse(self, api: Api, where: dict[str, Any]) -> None:
        """Checks that the list and the count both refuse the filter as BAD_USER_INPUT."""
        result = await api(FIND, {"filter": where}, key=self.key)
        assert result.codes, "the filter was accepted"
        assert set(result.codes) == {"BAD_USER_INPUT"}, result.errors
        assert result.body.get("data") is None


async def world() -> World:
    workspace_id, key = await factories.workspace("Acme")
    stranger_id, _ = await factories.workspace("Stranger Co")
    return World(
        workspace_id=workspace_id,
        key=key,
        bot=await factories.assistant(workspace_id),
        stranger_workspace_id=stranger_id,
        stranger_bot=await factories.assistant(stranger_id, "Their bot"),
    )


def assistant_id(bot: Assistant) -> str:
    return encode_id("Assistant", bot.id)


def minute(value: float) -> str:
    return factories.at(value).isoformat()


# --- types and statuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["TEST"], {"test chat"}),
        (["WEB_WIDGET"], {"widget"}),
        (["TEST", "WEB_WIDGET"], {"test chat", "widget"}),
        ([], set()),
        (None, {"test chat", "widget"}),
    ],
)
async def test_types_keeps_only_conversations_of_those_types(
    api: Api, types: list[str] | None, expected: set[str]
) -> None:
    w = await world()
    await w.add("test chat", type=ConversationType.TEST)
    await w.add("widget", type=ConversationType.WEB_WIDGET)
    await w.add_stranger("stranger test chat", type=ConversationType.TEST)
    await w.add_stranger("stranger widget", type=ConversationType.WEB_WIDGET)
    assert await w.find(api, {"types": types}) == expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["ACTIVE"], {"active"}),
        (["ENDED"], {"ended"}),
        (["ACTIVE", "ENDED"], {"active", "ended"}),
        ([], set()),
    ],
)
async def test_statuses_keeps_only_conversations_in_those_statuses(
    api: Api, statuses: list[str], expected: set[str]
) -> None:
    w = await world()
    await w.add("active")
    await w.add("ended", ended_minute=5)
    await w.add_stranger("stranger active")
    await w.add_stranger("stranger ended", ended_minute=5)
    assert await w.find(api, {"statuses": statuses}) == expected


async def test_no_filter_lists_every_conversation_of_the_workspace_and_no_other(api: Api) -> None:
    w = await world()
    await w.add("one")
    await w.add("two", type=ConversationType.TEST, ended_minute=3)
    await w.add_stranger("stranger")
    assert await w.find(api, None) == {"one", "two"}
    assert await w.find(api, {}) == {"one", "two"}


# --- assistants --------------------------------------------------------------------------------


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


# --- start times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        pytest.param(
            {"startedAfter": minute(10)}, {"10:00", "10:30", "20:00"}, id="after-inclusive"
        ),
        pytest.param({"startedBefore": minute(10)}, {"00:00"}, id="before-exclusive"),
        pytest.param(
            {"startedAfter": minute(10), "startedBefore": minute(20)},
            {"10:00", "10:30"},
            id="window",
        ),
        pytest.param({"startedAfter": minute(10), "startedBefore": minute(10)}, set(), id="empty"),
        pytest.param(
            {"startedAfter": "2026-11-01T09:10:00.000001Z"}, {"10:30", "20:00"}, id="after-µs"
        ),
        pytest.param(
            {"startedBefore": "2026-11-01T09:10:00.000001Z"}, {"00:00", "10:00"}, id="before-µs"
        ),
        pytest.param(
            {"startedBefore": "2026-11-01T09:10:30Z"}, {"00:00", "10:00"}, id="before-seconds"
        ),
        # 10:10+01:00 is 09:10 UTC: the offset must be honoured, not dropped.
        pytest.param(
            {"startedAfter": "2026-11-01T10:10:00+01:00"},
            {"10:00", "10:30", "20:00"},
            id="after-offset",
        ),
        pytest.param(
            {"startedBefore": "2026-11-01T04:10:30-05:00"}, {"00:00", "10:00"}, id="before-offset"
        ),
    ],
)
async def test_started_after_is_inclusive_and_started_before_exclusive(
    api: Api, where: dict[str, Any], expected: set[str]
) -> None:
    w = await world()
    for name, start in (("00:00", 0), ("10:00", 10), ("10:30", 10.5), ("20:00", 20)):
        await w.add(name, minute=start)
    await w.add_stranger("stranger", minute=10)
    assert await w.find(api, where) == expected


@pytest.mark.parametrize(
    "moment",
    ["2026-11-01T09:10:00", "yesterday", "2026-13-01T00:00:00Z", ""],
    ids=["no offset", "words", "no such month", "empty"],
)
async def test_a_start_time_without_offset_or_unparseable_is_bad_user_input(
    api: Api, moment: str
) -> None:
    w = await world()
    await w.refuse(api, {"startedAfter": moment})
    await w.refuse(api, {"startedBefore": moment})


# --- search ------------------------------------------------------------------------------------


async def search_world() -> World:
    w = await world()
    await w.add("refund", messages=[said("I want a REFUND for order 1234", 1), reply("Sure.", 2)])
    await w.add(
        "split",
        messages=[said("I want a refund", 1), reply("Order 1234 shipped: it is on its way", 2)],
    )
    await w.add("plural", messages=[said("Refunds are slow", 1)])
    await w.add("email", messages=[said("Write to ada.lovelace@example.com, please", 1)])
    await w.add("cafe", messages=[said("Le Café est fermé", 1)])
    await w.add("istanbul", messages=[said("Two seats to İstanbul, order_id 77", 1)])
    await w.add("silent")
    await w.add_stranger(
        "stranger", messages=[said("refund 1234 zebra ada lovelace example café", 1)]
    )
    return w


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        pytest.param("refund", {"refund", "split"}, id="one word"),
        pytest.param("REFUND", {"refund", "split"}, id="upper case query"),
        pytest.param("rEfUnD", {"refund", "split"}, id="mixed case query"),
        pytest.param("shipped", {"split"}, id="assistant replies are searched"),
        pytest.param("refund 1234", {"refund"}, id="every word in one message"),
        pytest.param("1234 REFUND", {"refund"}, id="word order does not matter"),
        pytest.param("refund, 1234!", {"refund"}, id="punctuation in the query"),
        pytest.param("refunds", {"plural"}, id="whole words: plural"),
        pytest.param("refun", set(), id="whole words: no prefixes"),
        pytest.param("ada.lovelace@example.com", {"email"}, id="an email address"),
        pytest.param("lovelace", {"email"}, id="one part of an email"),
        pytest.param("example com", {"email"}, id="parts of an email as words"),
        pytest.param("café", {"cafe"}, id="accented word"),
        pytest.param("CAFÉ FERMÉ", {"cafe"}, id="accented words in upper case"),
        pytest.param("cafe", set(), id="accents are letters"),
        pytest.param("İstanbul", {"istanbul"}, id="dotted capital I as written"),
        pytest.param("İSTANBUL", {"istanbul"}, id="dotted capital I in upper case"),
        pytest.param("order_id", {"istanbul"}, id="underscore joins no words"),
        pytest.param("id 77", {"istanbul"}, id="underscore splits words"),
        pytest.param("zebra", set(), id="another workspace's word"),
        pytest.param("nowhere", set(), id="absent word"),
        pytest.param("refund nowhere", set(), id="one absent word"),
    ],
)
async def test_search_finds_conversations_with_a_message_holding_every_word(
    api: Api, search: str, expected: set[str]
) -> None:
    w = await search_world()
    assert await w.find(api, {"search": search}) == expected


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        # "café" spelled e + U+0301 (combining acute), as some keyboards and copy-paste produce it.
        pytest.param("cafe\u0301", {"decomposed"}, id="decomposed accent"),
        pytest.param("un cafe\u0301 noir", {"decomposed"}, id="decomposed accent among words"),
        pytest.param("m²", {"superscript"}, id="superscript digit"),
    ],
)
async def test_search_finds_a_word_typed_exactly_as_the_message_has_it(
    api: Api, search: str, expected: set[str]
) -> None:
    w = await world()
    await w.add("decomposed", messages=[said("Un cafe\u0301 noir, s'il vous plaît", 1)])
    await w.add("superscript", messages=[said("The room is 12 m² at most", 1)])
    await w.add("plain", messages=[said("Un the noir", 1)])
    assert await w.find(api, {"search": search}) == expected


async def test_a_long_search_still_needs_every_word(api: Api) -> None:
    w = await world()
    words = [f"word{n}" for n in range(1, 41)]
    await w.add("first 32 words", messages=[said(" ".join(words[:32]), 1)])
    await w.add("all 40 words", messages=[said(" ".join(words), 1)])
    where = {"search": " ".join(words)}
    refused = (await api(FIND, {"filter": where}, key=w.key)).codes
    if refused:  # refusing so long a search is as honest as honouring it; ignoring words is not
        assert set(refused) == {"BAD_USER_INPUT"}
    else:
        assert await w.find(api, where) == {"all 40 words"}


# --- variables ---------------------------------------------------------------------------------


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


# --- cost --------------------------------------------------------------------------------------


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


# --- unknown values ----------------------------------------------------------------------------


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


# --- combinations ------------------------------------------------------------------------------


DROPPED = {
    "types": "wrong type",
    "statuses": "wrong status",
    "assistantIds": "wrong assistant",
    "startedAfter": "too early",
    "startedBefore": "too late",
    "search": "words apart",
    "variables": "wrong plan",
    "minCost": "too cheap",
    "maxCost": "too dear",
}
"""Each condition of the combined filter, and the conversation that fails it alone."""


async def test_every_condition_must_hold_at_once(api: Api) -> None:
    w = await world()
    other_bot = await factories.assistant(w.workspace_id, "Other bot")

    def costing(cost: str) -> list[MessageRecord]:
        return [said("Refund order 1234", 11), reply("Done", 12, cost=cost)]

    base: dict[str, Any] = {
        "type": ConversationType.TEST,
        "minute": 10,
        "ended_minute": 30,
        "messages": costing("10.5"),
        "variables": [variable("plan", "pro")],
    }
    await w.add("all", **base)
    await w.add("wrong type", **{**base, "type": ConversationType.WEB_WIDGET})
    await w.add("wrong status", **{**base, "ended_minute": None})
    await w.add("wrong assistant", bot=other_bot, **base)
    await w.add("too early", **{**base, "minute": 9})
    await w.add("too late", **{**base, "minute": 11})
    await w.add(
        "words apart",
        **{**base, "messages": [said("Refund please", 11), reply("1234", 12, cost="10.5")]},
    )
    await w.add("wrong plan", **{**base, "variables": [variable("plan", "free")]})
    await w.add("too cheap", **{**base, "messages": costing("9.99")})
    await w.add("too dear", **{**base, "messages": costing("11.5")})
    await w.add_stranger("stranger", **base)
    where = {
        "types": ["TEST"],
        "statuses": ["ENDED"],
        "assistantIds": [assistant_id(w.bot)],
        "startedAfter": minute(10),
        "startedBefore": minute(11),
        "search": "1234 refund",
        "variables": [{"name": "plan", "equals": "pro"}],
        "minCost": "10",
        "maxCost": "11",
    }
    assert set(where) == set(DROPPED)
    assert await w.find(api, where) == {"all"}
    for condition, failing in DROPPED.items():
        # Leaving one condition out lets back exactly the conversation that failed it alone.
        assert await w.find(api, {**where, condition: None}) == {"all", failing}, condition
