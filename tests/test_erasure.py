"""Erasure: an erased conversation or visitor is found by no query, count, search, export or live
view, is gone from storage, completes its live subscribers, and leaves an audit without data."""

import json
from typing import Any

import pytest

from models import ApiKey, ConversationSession, Event, Message, Variable
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.events.log import EVENT_CURSOR
from resolvers.ids import decode_id, encode_cursor, encode_id
from resolvers.visitor import Visit
from tests.support import factories
from tests.support.api import Api
from tests.support.live import EVENTS, MESSAGES, Desk
from tests.support.ws import open_socket

DELETE = "mutation($id: ID!) { deleteConversation(id: $id) { erasedConversations erasedAt } }"
ERASE = "mutation($by: VisitorSelectorInput!) { eraseVisitor(by: $by) { erasedConversations } }"
SEEN = """query($id: ID!) {
  conversation(id: $id) { id }
}"""
EVERYWHERE = """{
  conversations { totalCount edges { node { id } } }
  conversationCount
  conversationCounts { total byType { type count } }
  refund: conversations(filter: {search: "refund"}) { totalCount }
  usageSummary(groupBy: TYPE, filter: {types: [TEST, WEB_WIDGET]}) { buckets { conversations } }
  erasures { reason conversations byKeyId }
}"""


async def _visited(workspace_id: int, bot: int, session: str, minute: int, email: str) -> str:
    row = await factories.conversation(
        workspace_id,
        bot,
        minute=minute,
        visitor=Visit(session_id=session, page_url="https://shop.example/"),
        messages=[
            factories.said("I want a refund", minute + 0.1),
            factories.reply("Sure", minute + 0.2),
        ],
        variables=[factories.variable("email", email)],
    )
    return encode_id("Conversation", row.id)


async def _exported(api: Api, key: str) -> list[str]:
    response = await api.client.get("/export", headers={"authorization": f"Bearer {key}"})
    lines = [json.loads(line) for line in response.text.splitlines()]
    return [line["id"] for line in lines if "id" in line]


async def test_an_erased_conversation_is_found_by_nothing_and_kept_nowhere(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bot = (await factories.assistant(workspace_id)).id
    target = await _visited(workspace_id, bot, "v-1", 0, "ann@example.com")
    kept = await _visited(workspace_id, bot, "v-2", 5, "bob@example.com")
    pk = decode_id(target, "Conversation")
    other_id, other_key = await factories.workspace("Other")
    assert (await api(DELETE, {"id": target}, key=other_key)).codes == ["NOT_FOUND"]

    done = await api(DELETE, {"id": target}, key=key)
    assert done.codes == []
    assert done.data["deleteConversation"]["erasedConversations"] == 1
    assert (await api(SEEN, {"id": target}, key=key)).codes == ["NOT_FOUND"]
    seen = (await api(EVERYWHERE, key=key)).data
    assert [e["node"]["id"] for e in seen["conversations"]["edges"]] == [kept]
    assert seen["conversations"]["totalCount"] == seen["conversationCount"] == 1
    assert seen["conversationCounts"]["total"] == 1
    assert seen["refund"]["totalCount"] == 1  # the search index lost it too
    assert [b["conversations"] for b in seen["usageSummary"]["buckets"]] == [0, 1]
    secret = await ApiKey.get(workspace_id=workspace_id, kind=ApiKeyKind.SECRET)
    assert seen["erasures"] == [
        {"reason": "CONVERSATION", "conversations": 1, "byKeyId": encode_id("ApiKey", secret.id)}
    ]
    assert await _exported(api, key) == [kept]
    # Storage: nothing of it but the event that says it is gone.
    assert await Message.filter(conversation_id=pk).count() == 0
    assert await Variable.filter(conversation_id=pk).count() == 0
    assert await ConversationSession.filter(conversation_id=pk).count() == 0
    kinds = [e.kind for e in await Event.filter(conversation_id=pk)]
    assert [str(kind) for kind in kinds] == ["ERASED"]
    assert (await api(DELETE, {"id": target}, key=key)).codes == ["NOT_FOUND"]
    assert other_id != workspace_id


async def test_a_visitor_is_erased_by_session_or_by_a_variable_in_its_own_workspace(
    api: Api,
) -> None:
    workspace_id, key = await factories.workspace()
    bot = (await factories.assistant(workspace_id)).id
    await _visited(workspace_id, bot, "v-1", 0, "ann@example.com")
    await _visited(workspace_id, bot, "v-1", 10, "ann@example.com")
    await _visited(workspace_id, bot, "v-2", 20, "bob@example.com")
    kept = await _visited(workspace_id, bot, "v-3", 30, "cy@example.com")
    other_id, other_key = await factories.workspace("Other")
    other_bot = (await factories.assistant(other_id)).id
    await _visited(other_id, other_bot, "v-1", 0, "bob@example.com")

    by_session = await api(ERASE, {"by": {"sessionId": "v-1"}}, key=key)
    assert by_session.data["eraseVisitor"]["erasedConversations"] == 2
    by_email = {"variable": {"name": "email", "equals": "bob@example.com"}}
    assert (await api(ERASE, {"by": by_email}, key=key)).data["eraseVisitor"] == {
        "erasedConversations": 1
    }
    left = (await api(EVERYWHERE, key=key)).data
    assert [e["node"]["id"] for e in left["conversations"]["edges"]] == [kept]
    assert [(e["reason"], e["conversations"]) for e in left["erasures"]] == [
        ("VISITOR_VARIABLE", 1),
        ("VISITOR_SESSION", 2),
    ]
    assert (await api("{ conversationCount }", key=other_key)).data == {"conversationCount": 1}
    _, reader = await create_api_key(workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ}))
    assert (await api(ERASE, {"by": {"sessionId": "v-3"}}, key=reader)).codes == ["FORBIDDEN"]
    both = {"sessionId": "v-3", "variable": {"name": "email", "equals": "cy@example.com"}}
    assert (await api(ERASE, {"by": both}, key=key)).codes == ["BAD_USER_INPUT"]
    assert (await api("{ conversationCount }", key=key)).data == {"conversationCount": 1}


async def test_live_views_learn_at_once_and_its_subscribers_are_completed(
    api: Api, server_url: str
) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start("WEB_WIDGET")
    await desk.send(conversation, 1)
    async with (
        open_socket(server_url, key=token) as widget,
        open_socket(server_url, key=desk.key) as dashboard,
    ):
        await widget.subscribe("m", MESSAGES, {"id": conversation})
        assert (await widget.next("m"))["messageAdded"]["node"]["sequence"] == 1
        await dashboard.subscribe("c", "subscription { conversationCount }")
        assert await dashboard.next("c") == {"conversationCount": 1}
        await dashboard.subscribe("e", ERASED_EVENTS, {"after": None})
        assert (await api(DELETE, {"id": conversation}, key=desk.key)).codes == []
        assert await widget.receive() == {"id": "m", "type": "complete"}
        messages: dict[str, Any] = {}
        while len(messages) < 2:
            message = await dashboard.receive()
            messages[message["id"]] = message["payload"]["data"]
        assert messages["c"] == {"conversationCount": 0}
        assert messages["e"]["conversationErased"]["conversationId"] == conversation
    # A dashboard resuming from the very start learns it too: the erased conversation's earlier
    # events are gone, and the one left says it was erased.
    async with open_socket(server_url, key=desk.key) as late:
        await late.subscribe("e", ERASED_EVENTS, {"after": encode_cursor(EVENT_CURSOR, [0])})
        replayed = (await late.next("e"))["conversationErased"]
        # conversationEvents from the start has nothing of it any more (its events are gone).
        await late.subscribe("all", EVENTS, {"f": None, "after": encode_cursor(EVENT_CURSOR, [0])})
        with pytest.raises(TimeoutError):
            await late.receive(within=1.0)
    assert replayed["conversationId"] == conversation


ERASED_EVENTS = """subscription($after: String) { conversationErased(after: $after) {
  cursor conversationId } }"""
