"""Carrying conversations from start to end through the API: the widget, the Test Chat and the
assistant engine, with exact costs, idempotent sends and nothing half-written."""

from decimal import Decimal
from typing import Any

import pytest

from models import Conversation, Event, Message, Variable
from resolvers.ids import decode_id, encode_id
from tests.support import factories
from tests.support.api import Api
from tests.support.recording import SET, START, send, shop, start

END = """mutation($id: ID!) { endConversation(conversationId: $id) {
  conversation { status endedAt durationSeconds } } }"""
READ = """query($id: ID!) { conversation(id: $id) { status
  messages { edges { node { sequence role content } } } } }"""


async def snapshot() -> tuple[int, int, int, int]:
    return (
        await Conversation.all().count(),
        await Message.all().count(),
        await Variable.all().count(),
        await Event.all().count(),
    )


async def test_a_widget_conversation_from_start_to_end(api: Api) -> None:
    s = await shop()
    started = await start(api, s, visitor={"sessionId": "v-1", "pageUrl": "https://shop.example/"})
    conversation, token = started["conversation"], started["sessionToken"]
    assert conversation["type"] == "WEB_WIDGET"
    assert conversation["status"] == "ACTIVE"
    assert conversation["visitor"] == {"sessionId": "v-1", "pageUrl": "https://shop.example/"}
    assert conversation["variables"] == [
        {"name": "email", "value": "ada@example.com", "source": "PRE_CHAT_FORM", "type": "EMAIL"}
    ]

    sent = await send(api, token, conversation["id"], "c1", "Where is my order?")
    assert sent.data["sendMessage"]["message"]["sequence"] == 1
    reply = await send(
        api,
        s.secret,
        conversation["id"],
        "r1",
        "It ships today.",
        role="ASSISTANT",
        usage={"provider": "openai", "model": "gpt-4o", "inputTokens": 1000, "outputTokens": 500},
    )
    totals = reply.data["sendMessage"]["conversation"]
    # gpt-4o: 1000 input tokens at $2.50/M + 500 output tokens at $10/M = $0.0075
    assert totals["usage"] == {
        "inputTokens": 1000,
        "outputTokens": 500,
        "cost": "0.0075",
        "costKnown": True,
    }
    assert totals["messageCount"] == 2

    read = await api(READ, {"id": conversation["id"]}, key=token)
    assert [edge["node"]["content"] for edge in read.data["conversation"]["messages"]["edges"]] == [
        "Where is my order?",
        "It ships today.",
    ]
    ended = await api(END, {"id": conversation["id"]}, key=token)
    assert ended.data["endConversation"]["conversation"]["status"] == "ENDED"
    late = await send(api, token, conversation["id"], "c2", "One more thing")
    assert late.codes == ["CONFLICT"]
    pk = decode_id(conversation["id"], "Conversation")
    kinds = [event.kind.value for event in await Event.filter(conversation_id=pk).order_by("id")]
    assert kinds == ["STARTED", "MESSAGE_ADDED", "MESSAGE_ADDED", "ENDED"]


async def test_a_test_chat_conversation_with_the_secret_key(api: Api) -> None:
    s = await shop()
    started = await start(api, s, key=s.secret)
    conversation = started["conversation"]
    assert conversation["type"] == "TEST"
    await send(api, s.secret, conversation["id"], "u1", "Hello", role="USER")
    await send(api, s.secret, conversation["id"], "s1", "Be brief.", role="SYSTEM")
    given = await send(
        api,
        s.secret,
        conversation["id"],
        "a1",
        "Hi!",
        role="ASSISTANT",
        usage={
            "provider": "openai",
            "model": "gpt-4o",
            "inputTokens": 10,
            "outputTokens": 5,
            "cost": "0.000002",
        },
    )
    assert given.data["sendMessage"]["message"]["usage"]["cost"] == "0.000002"
    unknown = await send(
        api,
        s.secret,
        conversation["id"],
        "a2",
        "Hi again!",
        role="ASSISTANT",
        usage={"provider": "acme", "model": "in-house-7b", "inputTokens": 7, "outputTokens": 3},
    )
    message = unknown.data["sendMessage"]["message"]
    assert message["usage"] == {
        "inputTokens": 7,
        "outputTokens": 3,
        "cachedInputTokens": 0,
        "cost": "0",
        "costKnown": False,
    }
    usage = unknown.data["sendMessage"]["conversation"]["usage"]
    assert usage == {"inputTokens": 17, "outputTokens": 8, "cost": "0.000002", "costKnown": False}
    ended = await api(END, {"id": conversation["id"]}, key=s.secret)
    again = await api(END, {"id": conversation["id"]}, key=s.secret)
    assert ended.data == again.data  # idempotent: the same endedAt
    assert await Event.filter(kind="ENDED").count() == 1


async def test_cached_tokens_are_priced_at_the_cache_rate_and_the_prices_are_kept(
    api: Api,
) -> None:
    s = await shop()
    conversation = (await start(api, s, key=s.secret))["conversation"]
    sent = await send(
        api,
        s.secret,
        conversation["id"],
        "a1",
        "Cached",
        role="ASSISTANT",
        usage={
            "provider": "openai",
            "model": "gpt-4o",
            "inputTokens": 1000,
            "cachedInputTokens": 200,
            "outputTokens": 500,
        },
    )
    # 800 × $2.50/M + 200 × $1.25/M + 500 × $10/M
    assert sent.data["sendMessage"]["message"]["usage"]["cost"] == "0.00725"
    stored = await Message.get(sequence=1)
    assert (stored.input_price, stored.output_price, stored.cached_input_price) == (
        Decimal("2.5"),
        Decimal("10"),
        Decimal("1.25"),
    )


async def test_a_retried_send_returns_the_first_message_and_changes_nothing(api: Api) -> None:
    s = await shop()
    started = await start(api, s)
    conversation, token = started["conversation"]["id"], started["sessionToken"]
    first = await send(api, token, conversation, "same-id", "Hello")
    before = await snapshot()
    retry = await send(api, token, conversation, "same-id", "Hello")
    assert retry.data["sendMessage"]["message"] == first.data["sendMessage"]["message"]
    assert await snapshot() == before
    clash = await send(api, token, conversation, "same-id", "Something else")
    assert clash.codes == ["CONFLICT"]
    assert await snapshot() == before


async def test_a_session_token_is_confined_to_its_conversation(api: Api) -> None:
    s = await shop()
    mine = await start(api, s)
    other = await start(api, s)
    token = mine["sessionToken"]
    for query, variables in [
        ("{ conversations { totalCount } }", None),
        ("{ conversationCount }", None),
        ("{ assistants { id } }", None),
    ]:
        assert (await api(query, variables, key=token)).codes == ["FORBIDDEN"]
    theirs = other["conversation"]["id"]
    assert (await api(READ, {"id": theirs}, key=token)).codes == ["NOT_FOUND"]
    assert (await send(api, token, theirs, "x", "hi")).codes == ["NOT_FOUND"]
    assert (await api(END, {"id": theirs}, key=token)).codes == ["NOT_FOUND"]
    as_assistant = await send(api, token, mine["conversation"]["id"], "x", "hi", role="ASSISTANT")
    assert as_assistant.codes == ["FORBIDDEN"]
    extract = await api(
        SET,
        {
            "input": {
                "conversationId": mine["conversation"]["id"],
                "variables": [{"name": "satisfied", "value": True}],
            }
        },
        key=token,
    )
    assert extract.codes == ["FORBIDDEN"]


async def test_extracted_variables_are_typed_replaced_and_kept_apart_from_pre_chat(
    api: Api,
) -> None:
    s = await shop()
    conversation = (await start(api, s))["conversation"]["id"]

    async def extract(variables: list[dict[str, Any]]) -> Any:
        payload = {"conversationId": conversation, "variables": variables}
        return await api(SET, {"input": payload}, key=s.secret)

    first = await extract([{"name": "order_number", "value": "A-1"}])
    assert [v["value"] for v in first.data["setVariables"]["conversation"]["variables"]] == ["A-1"]
    again = await extract([{"name": "order_number", "value": "A-2"}])
    variables = again.data["setVariables"]["conversation"]["variables"]
    assert [(v["name"], v["value"]) for v in variables] == [("order_number", "A-2")]
    assert (
        variables[0]["collectedAt"]
        > first.data["setVariables"]["conversation"]["variables"][0]["collectedAt"]
    )
    before = await snapshot()
    bad = await extract(
        [
            {"name": "satisfied", "value": "yes"},
            {"name": "undeclared", "value": 1},
            {"name": "order_number", "value": "A-3"},
        ]
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    fields = {problem["field"] for problem in bad.errors[0]["extensions"]["fields"]}
    assert fields == {"satisfied", "undeclared"}
    assert await snapshot() == before  # the valid one was not written either
    # the pre-chat email is still there, untouched, beside the extracted order number
    both = await api(
        "query($id: ID!) { conversation(id: $id) { variables { name source value } } }",
        {"id": conversation},
        key=s.secret,
    )
    assert {(v["name"], v["source"]) for v in both.data["conversation"]["variables"]} == {
        ("email", "PRE_CHAT_FORM"),
        ("order_number", "EXTRACTED"),
    }


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        ("", {"content"}),
        ("   ", {"content"}),
        ("x" * 4001, {"content"}),
    ],
)
async def test_bad_messages_are_refused_and_leave_nothing(
    api: Api, content: str, fields: set[str]
) -> None:
    s = await shop()
    started = await start(api, s)
    before = await snapshot()
    result = await send(api, started["sessionToken"], started["conversation"]["id"], "c", content)
    assert result.codes == ["BAD_USER_INPUT"]
    assert {problem["field"] for problem in result.errors[0]["extensions"]["fields"]} == fields
    assert await snapshot() == before


@pytest.mark.parametrize(
    "usage",
    [
        {"provider": "openai", "model": "gpt-4o", "inputTokens": -1, "outputTokens": 1},
        {
            "provider": "openai",
            "model": "gpt-4o",
            "inputTokens": 1,
            "outputTokens": 1,
            "cachedInputTokens": 2,
        },
        {
            "provider": "openai",
            "model": "gpt-4o",
            "inputTokens": 1,
            "outputTokens": 1,
            "cost": "-0.1",
        },
        {
            "provider": "openai",
            "model": "gpt-4o",
            "inputTokens": 1,
            "outputTokens": 1,
            "cost": "0.0000000000001",
        },
        {"provider": "", "model": "gpt-4o", "inputTokens": 1, "outputTokens": 1},
    ],
)
async def test_bad_usage_is_refused(api: Api, usage: dict[str, Any]) -> None:
    s = await shop()
    conversation = (await start(api, s, key=s.secret))["conversation"]["id"]
    before = await snapshot()
    result = await send(api, s.secret, conversation, "a", "Hi", role="ASSISTANT", usage=usage)
    assert result.codes == ["BAD_USER_INPUT"]
    assert await snapshot() == before


async def test_usage_belongs_to_assistant_replies_only(api: Api) -> None:
    s = await shop()
    conversation = (await start(api, s, key=s.secret))["conversation"]["id"]
    usage = {"provider": "openai", "model": "gpt-4o", "inputTokens": 1, "outputTokens": 1}
    result = await send(api, s.secret, conversation, "u", "Hi", role="USER", usage=usage)
    assert result.codes == ["BAD_USER_INPUT"]


async def test_a_float_cost_is_refused(api: Api) -> None:
    s = await shop()
    conversation = (await start(api, s, key=s.secret))["conversation"]["id"]
    usage = {"provider": "x", "model": "y", "inputTokens": 1, "outputTokens": 1, "cost": 0.1}
    result = await send(api, s.secret, conversation, "a", "Hi", role="ASSISTANT", usage=usage)
    assert result.codes == ["BAD_USER_INPUT"]
    assert await Message.all().count() == 0


async def test_another_workspace_cannot_write_into_a_conversation(api: Api) -> None:
    s = await shop()
    other = await shop("Globex")
    conversation = (await start(api, s))["conversation"]["id"]
    before = await snapshot()
    assert (await send(api, other.secret, conversation, "x", "hi")).codes == ["NOT_FOUND"]
    assert (await api(END, {"id": conversation}, key=other.secret)).codes == ["NOT_FOUND"]
    extract = await api(
        SET,
        {
            "input": {
                "conversationId": conversation,
                "variables": [{"name": "satisfied", "value": True}],
            }
        },
        key=other.secret,
    )
    assert extract.codes == ["NOT_FOUND"]
    assert await snapshot() == before


async def test_mutations_are_refused_over_get(api: Api) -> None:
    s = await shop()
    response = await api.client.get(
        "/graphql",
        params={
            "query": 'mutation { endConversation(conversationId: "x") { conversation { id } } }'
        },
        headers={"authorization": f"Bearer {s.secret}"},
    )
    assert response.status_code == 405


async def test_a_conversation_holds_at_most_the_configured_number_of_variables(
    api: Api,
) -> None:
    workspace_id, secret = await factories.workspace()
    form = [{"name": f"q{i}", "label": f"Q{i}", "type": "TEXT"} for i in range(10)]
    extracted = [{"name": f"x{i}", "type": "NUMBER"} for i in range(45)]
    bot = await factories.assistant(workspace_id, pre_chat_form=form, extracted_variables=extracted)
    answers = [{"name": f"q{i}", "value": "yes"} for i in range(10)]
    started = await api(
        START,
        {"input": {"assistantId": encode_id("Assistant", bot.id), "preChat": answers}},
        key=secret,
    )
    conversation = started.data["startConversation"]["conversation"]["id"]

    async def extract(names: range) -> Any:
        variables = [{"name": f"x{i}", "value": i} for i in names]
        payload = {"conversationId": conversation, "variables": variables}
        return await api(SET, {"input": payload}, key=secret)

    assert (await extract(range(40))).codes == []  # 10 + 40 = the default limit of 50
    assert (await extract(range(40))).codes == []  # replacing adds nothing
    assert (await extract(range(40, 41))).codes == ["BAD_USER_INPUT"]
    assert await Variable.all().count() == 50
    kinds = [event.kind.value for event in await Event.all().order_by("id")]
    assert kinds == ["STARTED", "VARIABLES_SET", "VARIABLES_SET"]
