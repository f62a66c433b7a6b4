"""One input policy for text: NUL and unpaired surrogates are refused before execution, wherever
they sit (variables, literals, JSON values and keys), naming where they were."""

from typing import Any

import pytest

from models import Conversation, Message
from resolvers.ids import encode_cursor, encode_id, seal
from schema.policy.inputs import MAX_DEPTH, MAX_NESTING, text_problem
from tests.support import factories
from tests.support.api import Api
from tests.support.recording import SEND, START, VISITOR_SEND, shop
from tests.support.security.hostile import ask
from tests.support.ws import Socket, open_socket

BAD = ["\x00", "a\x00b", "\ud800", "x\udfffy"]


@pytest.mark.parametrize("text", ["", "plain", "emoji 😀", "ünïcödé", "tab\tnew\nline"])
def test_storable_text_passes(text: str) -> None:
    assert text_problem(text) is None


@pytest.mark.parametrize("text", BAD)
def test_nul_and_lone_surrogates_are_named(text: str) -> None:
    problem = text_problem(text)
    assert problem is not None
    assert ("NUL" in problem) == ("\x00" in text)


def refused_at(result: Any, where: str) -> None:
    assert result.status == 400, result.body
    assert result.codes == ["BAD_USER_INPUT"], result.body
    assert where in result.errors[0]["message"]
    assert result.errors[0]["extensions"]["argument"] == where
    assert "data" not in result.body


@pytest.mark.parametrize("text", BAD)
async def test_bad_text_in_any_message_field_is_refused_before_writing(api: Api, text: str) -> None:
    s = await shop()
    started = (
        await ask(
            api,
            START,
            {
                "input": {
                    "assistantId": s.assistant,
                    "preChat": [{"name": "email", "value": "a@b.co"}],
                }
            },
            key=s.widget,
        )
    ).data["startConversation"]
    conversation = started["conversation"]["id"]
    base = {"conversationId": conversation, "clientMessageId": "c1", "content": "hi"}
    for field in ("content", "clientMessageId"):
        token = started["sessionToken"]
        result = await ask(api, VISITOR_SEND, {"input": {**base, field: text}}, key=token)
        refused_at(result, f"$input.{field}")
    usage = {"provider": "openai", "model": text, "inputTokens": 1, "outputTokens": 1}
    result = await ask(
        api, SEND, {"input": {**base, "role": "ASSISTANT", "usage": usage}}, key=s.secret
    )
    refused_at(result, "$input.usage.model")
    assert await Message.all().count() == 0


async def test_literals_are_checked_with_their_argument_path(api: Api) -> None:
    _, key = await factories.workspace()
    result = await ask(
        api,
        'mutation { createAssistant(input: {name: "bot", allowedOrigins: ["ok", "a\\u0000"]})'
        " { assistant { id } } }",
        key=key,
    )
    refused_at(result, "createAssistant(input:).allowedOrigins[1]")
    result = await ask(api, '{ conversationCount(filter: {search: "\\u{0}"}) }', key=key)
    refused_at(result, "conversationCount(filter:).search")


async def test_variable_defaults_are_checked(api: Api) -> None:
    _, key = await factories.workspace()
    result = await ask(
        api, 'query($s: String = "\\u0000") { conversationCount(filter: {search: $s}) }', key=key
    )
    refused_at(result, "$s")


@pytest.mark.parametrize("text", BAD)
async def test_filters_names_and_labels_are_checked(api: Api, text: str) -> None:
    _, key = await factories.workspace()
    count = "query($f: ConversationFilter) { conversationCount(filter: $f) }"
    refused_at(await ask(api, count, {"f": {"search": text}}, key=key), "$f.search")
    condition = {"variables": [{"name": "email", "equals": {"nested": [1, text]}}]}
    refused_at(await ask(api, count, {"f": condition}, key=key), "$f.variables[0].equals.nested[1]")
    keyed = {"variables": [{"name": "email", "equals": {text: 1}}]}
    refused_at(await ask(api, count, {"f": keyed}, key=key), "$f.variables[0].equals (a key)")
    create = "mutation($i: AssistantInput!) { createAssistant(input: $i) { assistant { id } } }"
    form = [{"name": "email", "label": text, "type": "TEXT"}]
    refused_at(
        await ask(api, create, {"i": {"name": "b", "preChatForm": form}}, key=key),
        "$i.preChatForm[0].label",
    )
    key_input = "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }"
    refused_at(
        await ask(api, key_input, {"i": {"kind": "SECRET", "name": text}}, key=key), "$i.name"
    )


async def test_deeply_nested_variables_are_refused(api: Api) -> None:
    _, key = await factories.workspace()
    deep: Any = "leaf"
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    count = "query($f: ConversationFilter) { conversationCount(filter: $f) }"
    result = await ask(api, count, {"f": {"variables": [{"name": "x", "equals": deep}]}}, key=key)
    assert result.status == 400
    assert result.codes == ["BAD_USER_INPUT"]
    assert "nested" in result.errors[0]["message"]


async def test_good_unicode_still_goes_through(api: Api) -> None:
    s = await shop()
    payload = {
        "assistantId": s.assistant,
        "preChat": [{"name": "email", "value": "a@b.co"}],
        "visitor": {"sessionId": "v-😀", "locale": "de-DE"},
    }
    started = (await ask(api, START, {"input": payload}, key=s.widget)).data["startConversation"]
    sent = await ask(
        api,
        VISITOR_SEND,
        {
            "input": {
                "conversationId": started["conversation"]["id"],
                "clientMessageId": "ü-1",
                "content": "Grüße 😀 \u2028 日本",
            }
        },
        key=started["sessionToken"],
    )
    assert sent.data["sendMessage"]["message"]["content"] == "Grüße 😀 \u2028 日本"
    assert await Conversation.all().count() == 1


# Numbers and IDs: decoded into range or refused.

TOO_BIG = str(2**64)


@pytest.mark.parametrize(
    "text",
    [
        f"Conversation:{TOO_BIG}",
        "Conversation:0",
        "Conversation:007",
        "Conversation:²",
        "Conversation:-1",
        "Conversation:1.0",
        "Conversation:",
        f"Conversation:{'9' * 400}",
    ],
)
async def test_forged_ids_with_a_valid_checksum_are_refused(api: Api, text: str) -> None:
    _, key = await factories.workspace()
    forged = seal(text)
    for query in (
        "query($id: ID!) { conversation(id: $id) { id } }",
        "query($id: ID!) { node(id: $id) { id } }",
    ):
        result = await ask(api, query, {"id": forged}, key=key)
        assert result.status == 200, result.body
        assert result.codes == ["BAD_USER_INPUT"], result.body


async def test_the_largest_key_is_well_formed_and_absent(api: Api) -> None:
    _, key = await factories.workspace()
    largest = seal(f"Conversation:{2**63 - 1}")
    result = await ask(
        api, "query($id: ID!) { conversation(id: $id) { id } }", {"id": largest}, key=key
    )
    assert result.codes == ["NOT_FOUND"]
    sent = await ask(
        api,
        SEND,
        {"input": {"conversationId": largest, "clientMessageId": "c", "content": "hi"}},
        key=key,
    )
    assert sent.codes == ["NOT_FOUND"]


CONVERSATIONS = """query($o: ConversationOrder, $a: String) {
  conversations(orderBy: $o, after: $a) { edges { node { id } } } }"""
MESSAGES = """query($id: ID!, $a: String) {
  conversation(id: $id) { messages(after: $a) { edges { node { id } } } } }"""


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("STARTED_AT", ["0001-01-01T00:00:00+05:00", 1]),
        ("STARTED_AT", ["0001-01-01T00:00:00", 1]),
        ("STARTED_AT", ["9999-12-31T23:59:59-05:00", 1]),
        ("STARTED_AT", ["2026-11-01T09:00:00+00:00", 2**64]),
        ("STARTED_AT", [5, 1]),
        ("LAST_ACTIVITY_AT", ["2026-11-01T09:00:00+00:00"]),
        ("COST", [2**64, 1]),
        ("COST", [1.5, 1]),
        ("COST", [True, 1]),
        ("MESSAGE_COUNT", [-1, 1]),
        ("MESSAGE_COUNT", [1, 10**30]),
    ],
)
async def test_forged_cursors_with_a_valid_checksum_are_refused(
    api: Api, field: str, values: list[Any]
) -> None:
    _, key = await factories.workspace()
    order = {"field": field, "direction": "DESC"}
    cursor = encode_cursor(f"c:{field}:desc", values)
    result = await ask(api, CONVERSATIONS, {"o": order, "a": cursor}, key=key)
    assert result.codes == ["BAD_USER_INPUT"], result.body


@pytest.mark.parametrize(
    "text",
    [
        '["m",18446744073709551616]',
        '["m",NaN]',
        '["m",true]',
        '["m",-1]',
        '["m",1e400]',
        '["m",' + "[" * 200 + "]" * 200 + "]",
    ],
)
async def test_forged_message_cursors_are_refused(api: Api, text: str) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    row = await factories.conversation(workspace_id, bot.id)
    result = await ask(
        api, MESSAGES, {"id": encode_id("Conversation", row.id), "a": seal(text)}, key=key
    )
    assert result.codes == ["BAD_USER_INPUT"], result.body


@pytest.mark.parametrize("cost", ["1e30", "1000000.000000000001", "-1", "1e-13", "NaN", "Infinity"])
async def test_reply_costs_out_of_range_are_refused(api: Api, cost: str) -> None:
    s = await shop()
    payload = {
        "assistantId": s.assistant,
        "type": "TEST",
        "preChat": [{"name": "email", "value": "a@b.co"}],
    }
    started = (await ask(api, START, {"input": payload}, key=s.secret)).data["startConversation"]
    usage = {
        "provider": "openai",
        "model": "gpt-4o",
        "inputTokens": 1,
        "outputTokens": 1,
        "cost": cost,
    }
    sent = await ask(
        api,
        SEND,
        {
            "input": {
                "conversationId": started["conversation"]["id"],
                "clientMessageId": "r",
                "content": "x",
                "role": "ASSISTANT",
                "usage": usage,
            }
        },
        key=s.secret,
    )
    assert sent.codes == ["BAD_USER_INPUT"], sent.body
    assert await Message.all().count() == 0


async def test_the_largest_reply_cost_is_stored_exactly(api: Api) -> None:
    s = await shop()
    payload = {
        "assistantId": s.assistant,
        "type": "TEST",
        "preChat": [{"name": "email", "value": "a@b.co"}],
    }
    started = (await ask(api, START, {"input": payload}, key=s.secret)).data["startConversation"]
    usage = {
        "provider": "openai",
        "model": "gpt-4o",
        "inputTokens": 1,
        "outputTokens": 1,
        "cost": "999999.999999999999",
    }
    sent = await ask(
        api,
        SEND,
        {
            "input": {
                "conversationId": started["conversation"]["id"],
                "clientMessageId": "r",
                "content": "x",
                "role": "ASSISTANT",
                "usage": usage,
            }
        },
        key=s.secret,
    )
    assert sent.data["sendMessage"]["message"]["usage"]["cost"] == "999999.999999999999"


@pytest.mark.parametrize(
    ("condition", "count"),
    [
        ({"minCost": "1e30"}, 0),
        ({"maxCost": "1e30"}, 1),
        ({"maxCost": "-1e30"}, 0),
        ({"minCost": "-1e30"}, 1),
        ({"minCost": "0.0000000000000000000000000001"}, 1),
        ({"startedAfter": "0001-01-01T00:00:00Z"}, 1),
        ({"startedBefore": "9999-12-31T23:59:59Z"}, 1),
    ],
)
async def test_huge_filter_bounds_answer_exactly(
    api: Api, condition: dict[str, str], count: int
) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    await factories.conversation(workspace_id, bot.id, messages=[factories.reply("hi", 1)])
    query = "query($f: ConversationFilter) { conversationCount(filter: $f) }"
    result = await ask(api, query, {"f": condition}, key=key)
    assert result.data == {"conversationCount": count}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "query($f: ConversationFilter) { conversationCount(filter: $f) }",
            {"f": {"startedAfter": "0001-01-01T00:00:00+05:00"}},
        ),
        (
            "query($f: ConversationFilter) { conversationCount(filter: $f) }",
            {"f": {"startedBefore": "9999-12-31T23:59:59-05:00"}},
        ),
        ("query($n: Int) { conversations(first: $n) { totalCount } }", {"n": 2**31}),
        ("query($n: Int) { conversations(first: $n) { totalCount } }", {"n": 1e300}),
        ("{ conversations(last: 99999999999999999999) { totalCount } }", {}),
    ],
)
async def test_numbers_and_times_out_of_range_are_refused(
    api: Api, query: str, variables: dict[str, Any]
) -> None:
    _, key = await factories.workspace()
    result = await ask(api, query, variables, key=key)
    assert result.status == 400, result.body
    assert result.codes == ["BAD_USER_INPUT"]


async def refusal_on(socket: Socket, id: str) -> list[dict[str, Any]]:
    """The errors a subscription was refused with (as `error`, or `next` then `complete`)."""
    message = await socket.receive()
    assert message["id"] == id, message
    if message["type"] == "error":
        errors: list[dict[str, Any]] = message["payload"]
        return errors
    assert message["type"] == "next", message
    assert await socket.receive() == {"id": id, "type": "complete"}
    return list(message["payload"]["errors"])


async def test_the_policy_holds_on_websockets_too(server_url: str) -> None:
    _, key = await factories.workspace()
    count = "subscription($f: ConversationFilter) { conversationCount(filter: $f) }"
    async with open_socket(server_url, key=key) as socket:
        await socket.subscribe("1", count, {"f": {"search": "a\x00b"}})
        errors = await refusal_on(socket, "1")
        assert [error["extensions"]["code"] for error in errors] == ["BAD_USER_INPUT"]
        assert "$f.search" in errors[0]["message"]
        # Too deep a document ends its operation (strawberry completes it without a payload
        # when the refusal comes before parsing); the socket stays usable.
        await socket.subscribe("2", "{ " + "a { " * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1))
        assert (await socket.receive())["id"] == "2"
        await socket.subscribe("3", count, {"f": {"search": "fine"}})
        assert await socket.next("3") == {"conversationCount": 0}
