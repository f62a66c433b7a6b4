"""One input policy for text: NUL and unpaired surrogates are refused before execution, wherever
they sit (variables, literals, JSON values and keys), naming where they were."""

from typing import Any

import pytest

from models import Conversation, Message
from schema.inputs import MAX_DEPTH, text_problem
from tests import factories
from tests.api import Api
from tests.security.hostile import ask
from tests.test_recording import SEND, START, shop

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
        result = await ask(api, SEND, {"input": {**base, field: text}}, key=started["sessionToken"])
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
        SEND,
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
