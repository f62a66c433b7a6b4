"""Handover to a person, through the API on both databases: a visitor asks for a person, an
agent (with a key of its own) takes over and writes, hands back, and the assistant answers again;
the record shows each move in order; while a person is asked for or handles, the assistant's
replies are refused (AI_DISABLED) and one being streamed ends; who may make each move, the inbox
filters and counts, and the webhooks each move sends."""

import asyncio
from typing import Any

from starlette.applications import Starlette

from resolvers.events.log import parse_event_cursor
from server.settings import Settings
from tests.support.api import Api
from tests.support.engine import Chat, engine_running
from tests.support.live import Desk
from tests.support.model_server import Answer, ToolCall, model_server
from tests.support.receiver import receiving
from tests.support.waiting import bounded
from tests.support.webhooking import CREATE, working
from tests.support.ws import open_socket

AGENT = """mutation($name: String!) { createAgent(name: $name) { secret agent { id name } } }"""
REQUEST = """mutation($id: ID!) { requestPerson(conversationId: $id) { handling } }"""
TAKE = """mutation($id: ID!) { takeOver(conversationId: $id) {
  handling assigneeId takenOverAt waitingSince } }"""
BACK = """mutation($id: ID!) { handBack(conversationId: $id) { handling assigneeId } }"""
ASSIGN = """mutation($id: ID!, $agent: ID) {
  assignConversation(conversationId: $id, agentId: $agent) { assigneeId } }"""
SAY = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { sequence role agent { name } } } }"""
TRANSCRIPT = """query($id: ID!) { conversation(id: $id) { handling messages { edges { node {
  role content handover agent { name } } } } } }"""
INBOX = """query($filter: ConversationFilter) { conversationCount(filter: $filter)
  conversations(filter: $filter, first: 10) { edges { node { id handling assigneeId } } } }"""
END = """mutation($id: ID!) { endConversation(conversationId: $id) {
  conversation { status } } }"""
SUMMARY = """{ usageSummary(groupBy: TYPE, filter: {types: [WEB_WIDGET]}) { buckets {
  takenOver averageWaitSeconds averageFirstAgentReplySeconds } } }"""
VIEWER = "{ viewer { scopes agent { id name } } }"
OPEN = """mutation($input: OpenReplyInput!) { openReply(input: $input) { message { id } } }"""


async def _agent(api: Api, desk: Desk, name: str) -> tuple[str, str]:
    made = await api(AGENT, {"name": name}, key=desk.key)
    assert made.codes == [], made
    return made.data["createAgent"]["agent"]["id"], made.data["createAgent"]["secret"]


def _say(conversation: str, n: str, text: str, role: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"conversationId": conversation, "clientMessageId": n}
    payload["content"] = text
    if role:
        payload["role"] = role
    return {"input": payload}


async def test_a_visitor_asks_for_a_person_an_agent_answers_and_hands_back(api: Api) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start("WEB_WIDGET")
    ada, ada_key = await _agent(api, desk, "Ada")
    assert ada_key.startswith("ak_")
    assert (await api(SAY, _say(conversation, "v1", "Hi"), key=token)).codes == []

    asked = await api(REQUEST, {"id": conversation}, key=token)
    assert asked.data["requestPerson"]["handling"] == "WAITING"
    again = await api(REQUEST, {"id": conversation}, key=token)  # idempotent: no second note
    assert again.data["requestPerson"]["handling"] == "WAITING"
    waiting = await api(INBOX, {"filter": {"handlings": ["WAITING"]}}, key=ada_key)
    assert waiting.data["conversationCount"] == 1
    assert [e["node"]["id"] for e in waiting.data["conversations"]["edges"]] == [conversation]

    # The assistant's reply is refused while a person is asked for.
    refused = await api(SAY, _say(conversation, "a1", "I can help!", "ASSISTANT"), key=desk.key)
    assert refused.codes == ["CONFLICT"], refused
    assert refused.body["errors"][0]["extensions"]["reason"] == "AI_DISABLED"
    opened = await api(
        OPEN, {"input": {"conversationId": conversation, "clientMessageId": "r1"}}, key=desk.key
    )
    assert opened.codes == ["CONFLICT"]
    # Only an agent writes as one, and only once it took over.
    for key in (desk.key, token):
        posing = await api(SAY, _say(conversation, "x", "I am Ada", "AGENT"), key=key)
        assert posing.codes == ["FORBIDDEN"], posing
    early = await api(SAY, _say(conversation, "g0", "Hello", "AGENT"), key=ada_key)
    assert early.codes == ["CONFLICT"]

    taken = (await api(TAKE, {"id": conversation}, key=ada_key)).data["takeOver"]
    assert (taken["handling"], taken["assigneeId"]) == ("AGENT", ada)
    assert taken["takenOverAt"] >= taken["waitingSince"]
    wrote = await api(SAY, _say(conversation, "g1", "Hi, I am Ada. How can I help?", "AGENT"),
                      key=ada_key)  # fmt: skip
    assert wrote.data["sendMessage"]["message"]["agent"] == {"name": "Ada"}
    mine = await api(INBOX, {"filter": {"assigneeIds": [ada]}}, key=ada_key)
    assert mine.data["conversationCount"] == 1
    back = (await api(BACK, {"id": conversation}, key=ada_key)).data["handBack"]
    assert back == {"handling": "ASSISTANT", "assigneeId": ada}
    answered = await api(SAY, _say(conversation, "a2", "I'm back.", "ASSISTANT"), key=desk.key)
    assert answered.codes == []

    # The usage summary tells how long the visitor waited, and until Ada's first word.
    summary = await api(SUMMARY, key=desk.key)
    [bucket] = summary.data["usageSummary"]["buckets"]
    assert bucket["takenOver"] == 1
    wait, first_word = bucket["averageWaitSeconds"], bucket["averageFirstAgentReplySeconds"]
    assert 0 <= wait <= first_word < 60

    # The visitor's transcript shows every move, in order, with the agent's name.
    seen = await api(TRANSCRIPT, {"id": conversation}, key=token)
    rows = [
        (n["role"], n["handover"], (n["agent"] or {}).get("name"), n["content"])
        for n in (e["node"] for e in seen.data["conversation"]["messages"]["edges"])
    ]
    assert rows == [
        ("USER", None, None, "Hi"),
        ("HANDOVER", "REQUESTED", None, "The visitor asked for a person."),
        ("HANDOVER", "TAKEN_OVER", "Ada", "Ada joined."),
        ("AGENT", None, "Ada", "Hi, I am Ada. How can I help?"),
        ("HANDOVER", "HANDED_BACK", None, "The assistant is back."),
        ("ASSISTANT", None, None, "I'm back."),
    ]


async def test_who_may_move_a_conversation(api: Api) -> None:
    desk = await Desk.open(api)
    other = await Desk.open(api, "Other")
    conversation, token = await desk.start("WEB_WIDGET")
    ada, ada_key = await _agent(api, desk, "Ada")
    bob, bob_key = await _agent(api, desk, "Bob")
    _, stranger_key = await _agent(api, other, "Eve")
    # A visitor takes nothing over, and an agent of another workspace finds nothing.
    assert (await api(TAKE, {"id": conversation}, key=token)).codes == ["FORBIDDEN"]
    assert (await api(TAKE, {"id": conversation}, key=desk.key)).codes == ["FORBIDDEN"]
    assert (await api(TAKE, {"id": conversation}, key=stranger_key)).codes == ["NOT_FOUND"]
    # An agent's key manages nothing.
    made = await api(AGENT, {"name": "Mallory"}, key=ada_key)
    assert made.codes == ["FORBIDDEN"]
    # An agent takes it over from another at any time; a supervisor assigns and hands back.
    await api(TAKE, {"id": conversation}, key=ada_key)
    taken = await api(TAKE, {"id": conversation}, key=bob_key)
    assert taken.data["takeOver"]["assigneeId"] == bob
    assigned = await api(ASSIGN, {"id": conversation, "agent": ada}, key=desk.key)
    assert assigned.data["assignConversation"]["assigneeId"] == ada
    unassigned = await api(ASSIGN, {"id": conversation, "agent": None}, key=bob_key)
    assert unassigned.data["assignConversation"]["assigneeId"] is None
    assert (await api(BACK, {"id": conversation}, key=desk.key)).codes == []
    # An agent may end it; an ended conversation moves no more.
    ended = await api(END, {"id": conversation}, key=bob_key)
    assert ended.data["endConversation"]["conversation"]["status"] == "ENDED"
    assert (await api(REQUEST, {"id": conversation}, key=token)).codes == ["CONFLICT"]
    assert (await api(TAKE, {"id": conversation}, key=ada_key)).codes == ["CONFLICT"]


async def test_a_key_knows_what_it_may_do(api: Api) -> None:
    """`viewer`: what a dashboard offers a key (and "mine" for an agent's), nothing to a visitor."""
    desk = await Desk.open(api)
    ada, ada_key = await _agent(api, desk, "Ada")
    _, token = await desk.start("WEB_WIDGET")
    agent = await api(VIEWER, key=ada_key)
    assert agent.data["viewer"] == {
        "scopes": ["HANDLE", "READ"],
        "agent": {"id": ada, "name": "Ada"},
    }
    secret = await api(VIEWER, key=desk.key)
    assert secret.data["viewer"]["agent"] is None
    assert {"READ", "WRITE"} <= set(secret.data["viewer"]["scopes"])
    assert (await api(VIEWER, key=token)).codes == ["FORBIDDEN"]


async def test_a_takeover_stops_the_engine_mid_reply_and_its_finish_is_refused(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    desk = Desk(api, 0, chat.key, chat.assistant)
    _, ada_key = await _agent(api, desk, "Ada")
    async with model_server() as provider, engine_running(app, settings, provider):
        provider.expect(Answer(["Let me ", "look ", "that ", "up ", "for ", "you."], delay=0.4))
        await chat.say("Where is my order?")
        async with bounded(10, "the reply to start"):
            while True:
                if any(reply["state"] == "STREAMING" for reply in await chat.replies()):
                    break
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # a piece or two written
        assert (await api(TAKE, {"id": chat.conversation}, key=ada_key)).codes == []
        await asyncio.sleep(2.5)  # the model's stream would have ended by now
        await chat.say("Hello?")  # no turn for the assistant while Ada handles it
        await asyncio.sleep(0.5)
    [reply] = await chat.replies()
    assert reply["state"] == "INCOMPLETE"  # ended by the takeover, never finished after it
    assert not reply["content"].endswith("you.")
    assert len(provider.requests) == 1


async def test_each_move_is_sent_to_webhooks(api: Api, app: Starlette) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start("WEB_WIDGET")
    _, ada_key = await _agent(api, desk, "Ada")
    events = [
        "CONVERSATION_HANDOVER_REQUESTED",
        "CONVERSATION_TAKEN_OVER",
        "CONVERSATION_ASSIGNED",
        "CONVERSATION_HANDED_BACK",
    ]
    async with receiving() as receiver, working(app):
        made = await api(CREATE, {"url": receiver.url, "events": events}, key=desk.key)
        assert made.codes == [], made
        await api(REQUEST, {"id": conversation}, key=token)
        await api(TAKE, {"id": conversation}, key=ada_key)
        await api(ASSIGN, {"id": conversation, "agent": None}, key=ada_key)
        await api(BACK, {"id": conversation}, key=ada_key)
        await receiver.wait_for(lambda r: len(r.delivered()) >= 4)
    types = [each.payload["type"] for each in receiver.delivered()]
    assert types == [
        "conversation.handover_requested",
        "conversation.taken_over",
        "conversation.assigned",
        "conversation.handed_back",
    ]
    last = receiver.delivered()[-1].payload["data"]["conversation"]
    assert last["handling"] == "ASSISTANT"


OFFER = """mutation($id: ID!) { updateAssistant(id: $id, input: {name: "Shop Support",
  engine: {model: "gpt-4o-mini", offersHandover: true}}) {
  assistant { engine { offersHandover } } } }"""


async def test_the_built_in_engine_hands_over_when_its_model_asks(
    api: Api, app: Starlette, settings: Settings
) -> None:
    chat = await Chat.open(api)
    offered = await api(OFFER, {"id": chat.assistant}, key=chat.key)
    assert offered.data["updateAssistant"]["assistant"]["engine"] == {"offersHandover": True}
    async with model_server() as provider, engine_running(app, settings, provider):
        provider.expect(
            Answer(
                ["I'll get a colleague for you."],
                tool_calls=[ToolCall("handover", '{"reason": "refund over the limit"}')],
            )
        )
        await chat.say("I want a refund of 900 euros.")
        async with bounded(10, "the conversation to wait for a person"):
            while True:
                seen = await api(TRANSCRIPT, {"id": chat.conversation}, key=chat.key)
                if seen.data["conversation"]["handling"] == "WAITING":
                    break
                await asyncio.sleep(0.05)
    [request] = provider.requests
    assert "handover" in [tool["function"]["name"] for tool in request["tools"]]
    nodes = [e["node"] for e in seen.data["conversation"]["messages"]["edges"]]
    assert [(n["role"], n["content"]) for n in nodes[-2:]] == [
        ("ASSISTANT", "I'll get a colleague for you."),
        ("HANDOVER", "The assistant asked for a person."),
    ]
    [reply] = await chat.replies()
    assert reply["state"] == "COMPLETE"


EVENTS = """subscription($f: ConversationFilter, $after: String) {
  conversationEvents(filter: $f, after: $after) { cursor kind conversationId } }"""
COUNT = "subscription($f: ConversationFilter) { conversationCount(filter: $f) }"
PAGE = """query($f: ConversationFilter) { conversations(filter: $f, first: 10) {
  eventCursor edges { node { id } } } }"""


async def test_the_inbox_is_live_for_an_agent(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    first, first_token = await desk.start("WEB_WIDGET")
    second, second_token = await desk.start("WEB_WIDGET")
    _, ada_key = await _agent(api, desk, "Ada")
    waiting = {"handlings": ["WAITING"], "statuses": ["ACTIVE"]}
    async with (
        open_socket(server_url, key=ada_key) as badge,
        open_socket(server_url, key=ada_key) as inbox,
    ):
        page = (await api(PAGE, {"f": waiting}, key=ada_key)).data["conversations"]
        assert page["edges"] == []
        await badge.subscribe("n", COUNT, {"f": waiting})
        assert (await badge.next("n"))["conversationCount"] == 0
        await inbox.subscribe("e", EVENTS, {"f": waiting, "after": page["eventCursor"]})
        await api(REQUEST, {"id": first}, key=first_token)
        assert (await badge.next("n"))["conversationCount"] == 1
        await api(REQUEST, {"id": second}, key=second_token)
        assert (await badge.next("n"))["conversationCount"] == 2
        await api(TAKE, {"id": first}, key=ada_key)
        assert (await badge.next("n"))["conversationCount"] == 1
        # Each move writes two events (its HANDOVER message's, and its own), committed
        # together: a live list sees one, with the later cursor.
        events = [(await inbox.next("e"))["conversationEvents"] for _ in range(3)]
        await api(BACK, {"id": second}, key=ada_key)
        assert (await badge.next("n"))["conversationCount"] == 0
        events.append((await inbox.next("e"))["conversationEvents"])
    assert [(e["kind"], e["conversationId"]) for e in events] == [
        ("UPDATED", first),
        ("UPDATED", second),
        ("LEFT", first),
        ("LEFT", second),
    ]
    cursors = [parse_event_cursor(e["cursor"]) for e in events]
    assert cursors == sorted(cursors)
    assert cursors[1] - cursors[0] == 2, "the later event of the first move, and of the second"
