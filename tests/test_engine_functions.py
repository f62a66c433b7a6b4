"""The built-in engine's function calls: the model calls an assistant's function, Parley POSTs
the arguments to the function's URL (a real receiver on loopback), gives the model the answer,
and the model writes on; the reply keeps each call with its name, arguments and result, its
usage is the sum of the rounds, and a visitor's view does not show the calls. Functions are
checked when an assistant is saved, their URLs as webhooks' are."""

import asyncio
import json
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette

from models.enums import ConversationMode
from resolvers.assistant import AssistantSpec, FunctionSpec, create_assistant
from resolvers.errors import BadUserInput
from resolvers.limits.bounds import Bounds
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.engine import Chat, engine_running
from tests.support.live import Desk
from tests.support.model_server import Answer, ToolCall, model_server
from tests.support.receiver import Answer as Reply
from tests.support.receiver import receiving
from tests.support.waiting import bounded

FUNCTIONS = """mutation($id: ID!, $input: AssistantInput!) {
  updateAssistant(id: $id, input: $input) {
    assistant { functions { name description parameters url } } } }"""
CALLS = """query($id: ID!) { conversation(id: $id) { messages { edges { node {
  role state content functionCalls { name arguments result }
  usage { inputTokens outputTokens cost }
} } } } }"""
VISITOR_CALLS = """query($id: ID!) { conversation(id: $id) { messages { edges { node {
  content functionCalls { name } } } } } }"""
ORDER_STATUS = {
    "type": "object",
    "properties": {"order": {"type": "string", "description": "The order's number"}},
    "required": ["order"],
}


async def _with_function(chat: Chat, url: str) -> None:
    function = {
        "name": "order_status",
        "description": "Where an order is.",
        "parameters": ORDER_STATUS,
        "url": url,
    }
    answer = await chat.api(
        FUNCTIONS,
        {"id": chat.assistant, "input": {"name": "Shop Support", "functions": [function]}},
        key=chat.key,
    )
    assert answer.codes == [], answer
    [saved] = answer.data["updateAssistant"]["assistant"]["functions"]
    assert saved == function


async def _ended_reply(chat: Chat) -> dict[str, Any]:
    async with bounded(10, "the reply to end"):
        while True:
            answer = await chat.api(CALLS, {"id": chat.conversation}, key=chat.key)
            nodes = [edge["node"] for edge in answer.data["conversation"]["messages"]["edges"]]
            replies = [node for node in nodes if node["role"] == "ASSISTANT"]
            if replies and replies[-1]["state"] != "STREAMING":
                last: dict[str, Any] = replies[-1]
                return last
            await asyncio.sleep(0.05)


async def test_the_model_calls_a_function_and_answers_with_its_result(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    answer = b'{"order": "A17", "status": "shipped", "eta": "Friday"}'
    async with (
        receiving(
            lambda _n, _r: Reply(200, {"content-type": "application/json"}, body=answer)
        ) as function,
        model_server() as provider,
        engine_running(app, settings, provider),
    ):
        await _with_function(chat, function.url)
        provider.expect(
            Answer((), 30, 12, tool_calls=[ToolCall("order_status", '{"order": "A17"}', "c1")]),
            Answer(["Order A17 ", "has shipped: ", "it arrives Friday."], 70, 9),
        )
        await chat.say("Where is order A17?")
        reply = await _ended_reply(chat)

    # The function got the model's arguments, and which conversation asked.
    [called] = function.received
    assert called.payload == {
        "name": "order_status",
        "arguments": {"order": "A17"},
        "conversationId": chat.conversation,
    }
    # The model was offered the function, then told what it answered.
    first, second = provider.requests
    assert first["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "order_status",
                "description": "Where an order is.",
                "parameters": ORDER_STATUS,
            },
        }
    ]
    asked, told = second["messages"][-2:]
    assert asked["role"] == "assistant"
    assert asked["tool_calls"][0]["id"] == "c1"
    assert asked["tool_calls"][0]["function"]["name"] == "order_status"
    assert told == {"role": "tool", "tool_call_id": "c1", "content": answer.decode()}
    # The reply: its text, the call it made, and both rounds' usage.
    assert (reply["state"], reply["content"]) == (
        "COMPLETE",
        "Order A17 has shipped: it arrives Friday.",
    )
    assert reply["functionCalls"] == [
        {"name": "order_status", "arguments": '{"order": "A17"}', "result": answer.decode()}
    ]
    usage = reply["usage"]
    assert (usage["inputTokens"], usage["outputTokens"]) == (100, 21)
    # gpt-4o-mini at $0.15 / $0.60 per million tokens.
    assert Decimal(usage["cost"]) == Decimal("0.0000276")
    # A visitor sees the reply, not the functions behind it.
    seen = await api(VISITOR_CALLS, {"id": chat.conversation}, key=chat.token)
    assert "FORBIDDEN" in seen.codes or seen.data is None, seen


async def test_a_failing_or_unknown_function_is_told_to_the_model_and_the_turn_goes_on(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    async with (
        receiving(lambda _n, _r: Reply(500)) as function,
        model_server() as provider,
        engine_running(app, settings, provider),
    ):
        await _with_function(chat, function.url)
        provider.expect(
            Answer(
                (),
                tool_calls=[
                    ToolCall("order_status", '{"order": "A17"}', "c1"),
                    ToolCall("refund_everything", "{}", "c2"),
                ],
            ),
            Answer(["Sorry, I cannot look that up right now."]),
        )
        await chat.say("Where is order A17?")
        reply = await _ended_reply(chat)
    assert reply["state"] == "COMPLETE"
    calls = reply["functionCalls"]
    assert [call["name"] for call in calls] == ["order_status", "refund_everything"]
    assert json.loads(calls[0]["result"]) == {"error": "the function answered HTTP 500"}
    assert json.loads(calls[1]["result"]) == {"error": "there is no function refund_everything"}
    told = [m for m in provider.requests[1]["messages"] if m["role"] == "tool"]
    assert [m["content"] for m in told] == [calls[0]["result"], calls[1]["result"]]
    assert len(function.received) == 1  # the unknown one reached nothing


async def test_a_model_that_keeps_calling_is_made_to_answer_after_a_few_rounds(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    again = Answer((), tool_calls=[ToolCall("order_status", '{"order": "A17"}')])
    async with (
        receiving(lambda _n, _r: Reply(200, body=b"shipped")) as function,
        model_server() as provider,
        engine_running(app, settings, provider),
    ):
        await _with_function(chat, function.url)
        provider.expect(again, again, again, again, Answer(["It has shipped."]))
        await chat.say("Where is order A17?")
        reply = await _ended_reply(chat)
    assert reply["content"] == "It has shipped."
    assert len(reply["functionCalls"]) == 4
    assert [r.get("tool_choice") for r in provider.requests] == [None] * 4 + ["none"]


async def test_functions_are_checked_when_an_assistant_is_saved() -> None:
    workspace_id, _ = await factories.workspace()

    def spec(*functions: FunctionSpec) -> AssistantSpec:
        return AssistantSpec(name="Bot", widget_mode=ConversationMode.CHAT, functions=functions)

    try:
        await create_assistant(
            workspace_id,
            spec(
                FunctionSpec("has space", "https://example.com/f"),
                FunctionSpec("ok", "https://example.com/f", parameters={"type": "string"}),
                FunctionSpec("inside", "http://127.0.0.1:9/f"),
                FunctionSpec("metadata", "http://169.254.169.254/latest"),
            ),
            Bounds(),
        )
    except BadUserInput as refused:
        fields = {problem["field"] for problem in refused.extensions["fields"]}
    else:
        raise AssertionError("saved")
    assert fields == {
        "functions.0.name",
        "functions.1.parameters",
        "functions.2.url",
        "functions.3.url",
    }
    saved = await create_assistant(
        workspace_id, spec(FunctionSpec("order_status", "https://example.com/orders")), Bounds()
    )
    assert saved.functions == [
        {
            "name": "order_status",
            "url": "https://example.com/orders",
            "parameters": {"type": "object", "properties": {}},
        }
    ]


SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { functionCalls { name arguments result } } } }"""
FINISH = """mutation($input: FinishReplyInput!) { finishReply(input: $input) {
  message { content functionCalls { name result } } } }"""
OPEN = """mutation($input: OpenReplyInput!) { openReply(input: $input) { message { id } } }"""
APPEND = """mutation($input: AppendReplyInput!) { appendReply(input: $input) { length } }"""


async def test_an_engine_of_ones_own_records_its_function_calls_through_the_api(
    api: Api,
) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start()
    call = {"name": "order_status", "arguments": '{"order": "A17"}', "result": "shipped"}
    sent = await api(
        SEND,
        {
            "input": {
                "conversationId": conversation,
                "clientMessageId": "r1",
                "role": "ASSISTANT",
                "content": "It has shipped.",
                "functionCalls": [call],
            }
        },
        key=desk.key,
    )
    assert sent.data["sendMessage"]["message"]["functionCalls"] == [call]
    opened = await api(
        OPEN, {"input": {"conversationId": conversation, "clientMessageId": "r2"}}, key=desk.key
    )
    reply = opened.data["openReply"]["message"]["id"]
    piece = {"messageId": reply, "offset": 0, "text": "Still on its way."}
    assert (await api(APPEND, {"input": piece}, key=desk.key)).codes == []
    finished = await api(
        FINISH,
        {"input": {"messageId": reply, "length": 17, "functionCalls": [call, call]}},
        key=desk.key,
    )
    message = finished.data["finishReply"]["message"]
    assert message["content"] == "Still on its way."
    assert [each["result"] for each in message["functionCalls"]] == ["shipped", "shipped"]
    # Calls belong to the assistant's replies, within bounds; a visitor sends none.
    refused = await api(
        SEND.replace("functionCalls { name arguments result }", "sequence"),
        {
            "input": {
                "conversationId": conversation,
                "clientMessageId": "v1",
                "content": "Thanks",
                "functionCalls": [call],
            }
        },
        key=token,
    )
    assert refused.codes == ["BAD_USER_INPUT"], refused
    too_long = {**call, "result": "x" * 16_001}
    refused = await api(
        SEND,
        {
            "input": {
                "conversationId": conversation,
                "clientMessageId": "r3",
                "role": "ASSISTANT",
                "content": "Hm.",
                "functionCalls": [too_long],
            }
        },
        key=desk.key,
    )
    assert refused.codes == ["BAD_USER_INPUT"], refused
    assert "functionCalls.0.result" in str(refused.body)
