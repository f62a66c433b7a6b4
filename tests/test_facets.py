"""`conversationCounts`: a filter's total and its facets, equal to counting the list by hand, from
the tally and in SQL alike, one statement, one workspace's only; live as a subscription (by
handling and assignee too, which handovers move whatever the filter)."""

import random
from collections import Counter
from typing import Any

from models import Agent, Conversation
from models.enums import ConversationType, Handling
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api
from tests.support.live import Desk
from tests.support.ws import open_socket

COUNTS = """query($f: ConversationFilter) {
  conversationCounts(filter: $f) {
    total
    byType { type count }
    byStatus { status count }
    byAssistant { assistantId count assistant { name } }
  }
  conversationCount(filter: $f)
  conversations(filter: $f, first: 100) { totalCount edges { node {
    type status assistant { id name } } } }
}"""
LIVE = """subscription($f: ConversationFilter) { conversationCounts(filter: $f) {
  total byType { type count } byStatus { status count } byAssistant { assistantId count } } }"""


async def _workspace(seed: int) -> tuple[str, list[str]]:
    """A workspace with conversations of random types, statuses and assistants, and another
    workspace's beside it (which no count may include)."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    workspace_id, key = await factories.workspace()
    bots = [await factories.assistant(workspace_id, name=f"bot {i}") for i in range(3)]
    for minute in range(40):
        ended = rng.random() < 0.4
        await factories.conversation(
            workspace_id,
            rng.choice(bots).id,
            minute=minute,
            type=rng.choice(list(ConversationType)),
            ended_minute=minute + 1 if ended else None,
            messages=[factories.said(f"hello {rng.choice(['refund', 'price'])}", minute + 0.5)],
        )
    other_id, _ = await factories.workspace("Other")
    other_bot = await factories.assistant(other_id)
    for minute in range(5):
        await factories.conversation(other_id, other_bot.id, minute=minute)
    return key, [encode_id("Assistant", bot.id) for bot in bots]


def _by_hand(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """The facets a reader would count from the list itself."""
    types = Counter(node["type"] for node in nodes)
    statuses = Counter(node["status"] for node in nodes)
    assistants = Counter(node["assistant"]["id"] for node in nodes)
    names = {node["assistant"]["id"]: node["assistant"]["name"] for node in nodes}
    return {
        "total": len(nodes),
        "byType": [{"type": t, "count": types[t]} for t in ("TEST", "WEB_WIDGET")],
        "byStatus": [{"status": s, "count": statuses[s]} for s in ("ACTIVE", "ENDED")],
        "byAssistant": [
            {"assistantId": a, "count": n, "assistant": {"name": names[a]}}
            for a, n in sorted(assistants.items(), key=lambda item: -item[1])
        ],
    }


async def test_facets_equal_the_list_counted_by_hand_for_every_kind_of_filter(api: Api) -> None:
    key, bots = await _workspace(seed=7)
    filters: list[dict[str, Any] | None] = [
        None,  # everything: from the tally
        {"types": ["TEST"]},
        {"statuses": ["ENDED"], "assistantIds": bots[:2]},
        {"types": []},  # matches nothing
        {"search": "refund"},  # counted in SQL
        {"search": "refund", "types": ["WEB_WIDGET"], "statuses": ["ACTIVE"]},
        {"startedAfter": "2026-01-01T00:10:00Z"},
    ]
    for where in filters:
        result = await api(COUNTS, {"f": where}, key=key)
        assert result.codes == [], result
        data = result.data
        nodes = [edge["node"] for edge in data["conversations"]["edges"]]
        counts = data["conversationCounts"]
        expected = _by_hand(nodes)
        # Ties among assistants are ordered by creation; compare as sets of (id, count) first.
        assert sorted(counts["byAssistant"], key=str) == sorted(expected["byAssistant"], key=str)
        assert [a["count"] for a in counts["byAssistant"]] == sorted(
            (a["count"] for a in counts["byAssistant"]), reverse=True
        )
        assert {k: v for k, v in counts.items() if k != "byAssistant"} == {
            k: v for k, v in expected.items() if k != "byAssistant"
        }, where
        assert counts["total"] == data["conversationCount"] == data["conversations"]["totalCount"]
    everything = (await api(COUNTS, {"f": None}, key=key)).data["conversationCounts"]
    assert everything["total"] == 40  # the other workspace's five are not counted


async def test_the_tally_and_sql_give_the_same_facets(api: Api) -> None:
    key, bots = await _workspace(seed=11)
    query = "query($f: ConversationFilter) { conversationCounts(filter: $f) { total byType "
    query += "{ type count } byStatus { status count } byAssistant { assistantId count } } }"
    for where in ({}, {"types": ["WEB_WIDGET"]}, {"assistantIds": bots[1:]}):
        tallied = (await api(query, {"f": where}, key=key)).data["conversationCounts"]
        # The same filter with a condition every row meets is counted in SQL.
        counted = {**where, "startedAfter": "2000-01-01T00:00:00Z"}
        assert (await api(query, {"f": counted}, key=key)).data["conversationCounts"] == tallied


async def test_facets_cost_one_statement(api: Api, count_statements: Any) -> None:
    key, _ = await _workspace(seed=3)
    query = "{ conversationCounts { total byType { type count } byAssistant { count } } }"
    await api(query, key=key)  # the key's use is recorded once, before counting
    for where in ("", '(filter: {search: "refund"})'):
        with count_statements() as log:
            result = await api(
                query.replace("conversationCounts", f"conversationCounts{where}"), key=key
            )
        assert result.codes == []
        assert len(log.statements) == 1, [s.sql for s in log.statements]


async def test_live_facets_follow_starts_and_ends(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    async with open_socket(server_url, key=desk.key) as socket:
        await socket.subscribe("f", LIVE, {"f": {"types": ["TEST"]}})
        first = (await socket.next("f"))["conversationCounts"]
        assert first["total"] == 0
        assert first["byStatus"] == [
            {"status": "ACTIVE", "count": 0},
            {"status": "ENDED", "count": 0},
        ]
        conversation, _ = await desk.start("TEST")
        started = (await socket.next("f"))["conversationCounts"]
        assert started["total"] == 1
        assert started["byAssistant"] == [{"assistantId": desk.assistant, "count": 1}]
        await desk.start("WEB_WIDGET")  # outside the filter: changes nothing it shows
        await desk.end(conversation)
        ended = (await socket.next("f"))["conversationCounts"]
        # The total stays 1 when it ends; the status facet moves, and the frame says so.
        assert ended["total"] == 1
        assert ended["byStatus"] == [
            {"status": "ACTIVE", "count": 0},
            {"status": "ENDED", "count": 1},
        ]
        assert ended["byType"] == [{"type": "TEST", "count": 1}, {"type": "WEB_WIDGET", "count": 0}]


HANDLED = """query($f: ConversationFilter) {
  conversationCounts(filter: $f) {
    total byHandling { handling count } byAssignee { assigneeId count } }
  conversations(filter: $f, first: 100) { edges { node { handling assigneeId } } }
}"""


async def test_facets_by_handling_and_assignee_equal_the_list_counted_by_hand(api: Api) -> None:
    key, _ = await _workspace(seed=5)
    rng = random.Random(5)  # noqa: S311 (test data, not secrets)
    workspace_id = (await Conversation.first()).workspace_id  # type: ignore[union-attr]
    agents = [await Agent.create(workspace_id=workspace_id, name=name) for name in ("Ada", "Bob")]
    for conversation in await Conversation.filter(workspace_id=workspace_id):
        handling = rng.choice(list(Handling))
        assignee = rng.choice([None, *agents]) if handling is not Handling.AGENT else agents[0]
        await Conversation.filter(id=conversation.id).update(
            handling=handling, assignee_id=assignee.id if assignee else None
        )
    ada = encode_id("Agent", agents[0].id)
    filters: list[dict[str, Any] | None] = [
        None,  # from the tally, as every filter below but the last two
        {"statuses": ["ACTIVE"]},
        {"handlings": ["WAITING"], "statuses": ["ACTIVE"]},
        {"assigneeIds": [ada]},
        {"assigned": False, "types": ["TEST"]},
        {"search": "refund"},  # counted in SQL
        {"search": "refund", "handlings": ["AGENT", "WAITING"]},
    ]
    for where in filters:
        result = await api(HANDLED, {"f": where}, key=key)
        assert result.codes == [], result
        nodes = [edge["node"] for edge in result.data["conversations"]["edges"]]
        counts = result.data["conversationCounts"]
        handlings = Counter(node["handling"] for node in nodes)
        assignees = Counter(node["assigneeId"] for node in nodes)
        assert counts["total"] == len(nodes) == sum(c["count"] for c in counts["byAssignee"])
        assert counts["byHandling"] == [
            {"handling": h.value, "count": handlings[h.value]} for h in Handling
        ], where
        assert {c["assigneeId"]: c["count"] for c in counts["byAssignee"]} == assignees, where
        assert [c["count"] for c in counts["byAssignee"]] == sorted(assignees.values())[::-1]


LIVE_INBOX = """subscription($f: ConversationFilter) { conversationCounts(filter: $f) {
  total byHandling { handling count } byAssignee { assigneeId count } } }"""
REQUEST = "mutation($id: ID!) { requestPerson(conversationId: $id) { handling } }"
TAKE = "mutation($id: ID!) { takeOver(conversationId: $id) { handling } }"
AGENT = 'mutation { createAgent(name: "Ada") { secret agent { id } } }'


async def test_live_facets_follow_handovers_whatever_the_filter(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    made = (await api(AGENT, key=desk.key)).data["createAgent"]
    ada, ada_key = made["agent"]["id"], made["secret"]
    conversation, token = await desk.start("WEB_WIDGET")

    def handled(frame: dict[str, Any]) -> dict[str, int]:
        return {c["handling"]: c["count"] for c in frame["byHandling"]}

    async with open_socket(server_url, key=ada_key) as socket:
        await socket.subscribe("f", LIVE_INBOX, {"f": {"statuses": ["ACTIVE"]}})
        first = (await socket.next("f"))["conversationCounts"]
        assert handled(first) == {"ASSISTANT": 1, "WAITING": 0, "AGENT": 0}
        assert first["byAssignee"] == [{"assigneeId": None, "count": 1}]
        await api(REQUEST, {"id": conversation}, key=token)
        waiting = (await socket.next("f"))["conversationCounts"]
        assert handled(waiting) == {"ASSISTANT": 0, "WAITING": 1, "AGENT": 0}
        await api(TAKE, {"id": conversation}, key=ada_key)
        taken = (await socket.next("f"))["conversationCounts"]
        assert handled(taken) == {"ASSISTANT": 0, "WAITING": 0, "AGENT": 1}
        assert taken["byAssignee"] == [{"assigneeId": ada, "count": 1}]
