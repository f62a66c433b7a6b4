"""Extraction by the built-in engine: when a conversation ends (or idles out), the model reads
its whole transcript and gives the values of the variables its assistant declares; they are
recorded as EXTRACTED with their provenance (a SYSTEM note naming the model, whose usage and
cost count in the conversation's totals), values that fail their checks are left out, and a
visitor never sees the note. A new assistant extracts `status` and `summary` by default."""

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette

from models import Turn
from models.enums import TurnKind, TurnState
from resolvers.ids import decode_id
from resolvers.sweeper import end_idle_conversations
from server.settings import Settings
from tests.support.api import Api
from tests.support.engine import Chat, engine_running
from tests.support.model_server import Answer, Failure, ToolCall, model_server
from tests.support.waiting import bounded

VARIABLES = """mutation($id: ID!, $input: AssistantInput!) {
  updateAssistant(id: $id, input: $input) { assistant { extractedVariables { name } } } }"""
END = """mutation($id: ID!) { endConversation(conversationId: $id) { conversation { status } } }"""
RECORD = """query($id: ID!) { conversation(id: $id) {
  usage { inputTokens outputTokens cost }
  variables { name value source messageSequence }
  messages { edges { node { sequence role content model usage { inputTokens cost } } } } } }"""
VISITOR = """query($id: ID!) { conversation(id: $id) { messages { edges { node {
  role content } } } } }"""
CREATE = """mutation { createAssistant(input: {name: "Fresh"}) {
  assistant { extractedVariables { name type description } } } }"""
DECLARED = [
    {"name": "order_id", "type": "TEXT", "description": "The order the visitor asks about"},
    {"name": "rating", "type": "NUMBER", "description": "How the visitor rated the help, 1-5"},
    {"name": "status", "type": "TEXT"},
]


async def _extracting(api: Api) -> Chat:
    chat = await Chat.open(api)
    answer = await api(
        VARIABLES,
        {"id": chat.assistant, "input": {"name": "Shop Support", "extractedVariables": DECLARED}},
        key=chat.key,
    )
    assert answer.codes == [], answer
    return chat


async def _turn(chat: Chat, *states: TurnState) -> Turn:
    conversation = decode_id(chat.conversation, "Conversation")
    async with bounded(10, f"the extraction to be {states}"):
        while True:
            found = await Turn.get_or_none(conversation_id=conversation, kind=TurnKind.EXTRACT)
            if found is not None and found.state in states:
                return found
            await asyncio.sleep(0.05)


async def _record(chat: Chat) -> dict[str, Any]:
    answer = await chat.api(RECORD, {"id": chat.conversation}, key=chat.key)
    assert answer.codes == [], answer
    found: dict[str, Any] = answer.data["conversation"]
    return found


async def test_an_ended_conversation_has_its_variables_extracted_and_paid_for(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await _extracting(api)
    async with model_server() as provider, engine_running(app, settings, provider):
        provider.expect(Answer(["Order A17 left today."], 40, 6))
        await chat.say("Where is my order A17?")
        await _turn_reply_done(chat)
        before = await _record(chat)
        given = '{"order_id": "A17", "rating": "great", "status": "resolved", "mood": "calm"}'
        provider.expect(Answer((), 300, 20, tool_calls=[ToolCall("record_variables", given)]))
        assert (await api(END, {"id": chat.conversation}, key=chat.key)).codes == []
        await _turn(chat, TurnState.DONE)
    after = await _record(chat)

    # The model read the whole transcript and was made to call the one function.
    extraction = provider.requests[-1]
    assert extraction["tool_choice"] == {
        "type": "function",
        "function": {"name": "record_variables"},
    }
    [tool] = extraction["tools"]
    schema = tool["function"]["parameters"]
    assert schema["properties"]["rating"]["type"] == "number"
    assert schema["properties"]["order_id"]["description"] == "The order the visitor asks about"
    transcript = extraction["messages"][-1]["content"]
    assert transcript == "Visitor: Where is my order A17?\nAssistant: Order A17 left today."
    # What passed its checks is recorded, with the note as its provenance.
    note = after["messages"]["edges"][-1]["node"]
    assert (note["role"], note["content"]) == ("SYSTEM", "Extracted order_id, status.")
    assert note["model"] == "gpt-4o-mini"
    extracted = {v["name"]: v for v in after["variables"] if v["source"] == "EXTRACTED"}
    assert {name: v["value"] for name, v in extracted.items()} == {
        "order_id": "A17",
        "status": "resolved",
    }
    assert {v["messageSequence"] for v in extracted.values()} == {note["sequence"]}
    # Its usage and cost are the conversation's too: 300 + 20 tokens of gpt-4o-mini.
    cost = Decimal(note["usage"]["cost"])
    assert cost == Decimal("0.000057")
    assert Decimal(after["usage"]["cost"]) == Decimal(before["usage"]["cost"]) + cost
    assert after["usage"]["inputTokens"] == before["usage"]["inputTokens"] + 300
    # The visitor's view has no note.
    seen = await api(VISITOR, {"id": chat.conversation}, key=chat.token)
    roles = [edge["node"]["role"] for edge in seen.data["conversation"]["messages"]["edges"]]
    assert roles == ["USER", "ASSISTANT"]


async def _turn_reply_done(chat: Chat) -> None:
    async with bounded(10, "the reply"):
        while True:
            if any(reply["state"] == "COMPLETE" for reply in await chat.replies()):
                return
            await asyncio.sleep(0.05)


async def test_an_idle_conversation_is_extracted_and_a_failed_extraction_records_nothing(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await _extracting(api)
    async with model_server() as provider, engine_running(app, settings, provider):
        provider.expect(Answer(["Hello!"]))
        await chat.say("Hi")
        await _turn_reply_done(chat)
        before = await _record(chat)
        provider.expect(*[Failure(500)] * 3)  # the first try and both retries
        ended = await end_idle_conversations(timedelta(0), datetime.now(UTC) + timedelta(1))
        assert decode_id(chat.conversation, "Conversation") in ended
        failed = await _turn(chat, TurnState.FAILED)
    assert "500" in (failed.error or "")
    after = await _record(chat)
    assert after == before  # no note, no variables, no cost


async def test_nothing_is_extracted_unless_the_visitor_wrote_and_new_assistants_ask_for_defaults(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await _extracting(api)
    assert (await api(END, {"id": chat.conversation}, key=chat.key)).codes == []
    conversation = decode_id(chat.conversation, "Conversation")
    assert not await Turn.filter(conversation_id=conversation).exists()
    created = await api(CREATE, key=chat.key)
    assert created.codes == [], created
    names = [v["name"] for v in created.data["createAssistant"]["assistant"]["extractedVariables"]]
    assert names == ["status", "summary"]
