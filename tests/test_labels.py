"""Labels: a workspace's own, put on and taken off conversations, shown, filtered by any or all,
counted live; other workspaces' labels are not found."""

from typing import Any

from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from tests.support.api import Api
from tests.support.live import EVENTS, Desk
from tests.support.ws import open_socket

CREATE = (
    "mutation($n: String!, $c: String!) { createLabel(name: $n, colour: $c) { id name colour } }"
)
ADD = """mutation($id: ID!, $labels: [ID!]!) { addLabels(conversationId: $id, labelIds: $labels) {
  labels { name colour } } }"""
REMOVE = """mutation($id: ID!, $labels: [ID!]!) { removeLabels(conversationId: $id,
  labelIds: $labels) { labels { name } } }"""
LISTED = """query($f: ConversationFilter) { conversations(filter: $f) { edges { node {
  id labels { name } } } } }"""
COUNT = "query($f: ConversationFilter) { conversationCount(filter: $f) }"


async def _label(api: Api, key: str, name: str, colour: str = "#FF8800") -> str:
    result = await api(CREATE, {"n": name, "c": colour}, key=key)
    assert result.codes == [], result
    label_id: str = result.data["createLabel"]["id"]
    return label_id


async def test_labels_are_put_on_shown_filtered_and_taken_off(api: Api) -> None:
    desk = await Desk.open(api)
    vip, refund, spam = [await _label(api, desk.key, name) for name in ("vip", "refund", "spam")]
    first, _ = await desk.start()
    second, _ = await desk.start()
    third, _ = await desk.start()
    added = await api(ADD, {"id": first, "labels": [vip, refund]}, key=desk.key)
    assert added.data["addLabels"]["labels"] == [
        {"name": "refund", "colour": "#ff8800"},
        {"name": "vip", "colour": "#ff8800"},
    ]
    await api(ADD, {"id": second, "labels": [refund]}, key=desk.key)
    await api(ADD, {"id": second, "labels": [refund]}, key=desk.key)  # twice: still once

    async def count(labels: dict[str, Any]) -> int:
        n: int = (await api(COUNT, {"f": {"labels": labels}}, key=desk.key)).data[
            "conversationCount"
        ]
        return n

    assert await count({"anyOf": [refund]}) == 2
    assert await count({"anyOf": [vip, spam]}) == 1
    assert await count({"allOf": [vip, refund]}) == 1
    assert await count({"anyOf": []}) == 0
    assert await count({"anyOf": [spam]}) == 0
    listed = await api(LISTED, {"f": {"labels": {"allOf": [refund]}}}, key=desk.key)
    assert {e["node"]["id"] for e in listed.data["conversations"]["edges"]} == {first, second}
    removed = await api(REMOVE, {"id": first, "labels": [vip]}, key=desk.key)
    assert removed.data["removeLabels"]["labels"] == [{"name": "refund"}]
    assert await count({"anyOf": [vip]}) == 0
    assert third  # never labelled: in no label's count
    # Deleting a label takes it off every conversation.
    await api("mutation($id: ID!) { deleteLabel(id: $id) }", {"id": refund}, key=desk.key)
    assert await count({"anyOf": [refund]}) == 0
    labels = await api("{ labels { name } }", key=desk.key)
    assert labels.data == {"labels": [{"name": "spam"}, {"name": "vip"}]}


async def test_labels_are_checked_and_kept_to_their_workspace(api: Api) -> None:
    desk = await Desk.open(api)
    other = await Desk.open(api, "Other")
    theirs = await _label(api, other.key, "theirs")
    conversation, token = await desk.start()
    assert (await api(CREATE, {"n": "x", "c": "orange"}, key=desk.key)).codes == ["BAD_USER_INPUT"]
    assert (await api(CREATE, {"n": " ", "c": "#000000"}, key=desk.key)).codes == ["BAD_USER_INPUT"]
    await _label(api, desk.key, "dup")
    assert (await api(CREATE, {"n": "dup", "c": "#000000"}, key=desk.key)).codes == ["CONFLICT"]
    assert (await api(ADD, {"id": conversation, "labels": [theirs]}, key=desk.key)).codes == [
        "NOT_FOUND"
    ]
    mine = await _label(api, desk.key, "mine")
    assert (await api(ADD, {"id": conversation, "labels": [mine]}, key=token)).codes == [
        "FORBIDDEN"
    ]
    _, reader = await create_api_key(
        desk.workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ})
    )
    assert (await api(ADD, {"id": conversation, "labels": [mine]}, key=reader)).codes == [
        "FORBIDDEN"
    ]
    assert (await api("{ labels { name } }", key=other.key)).data == {
        "labels": [{"name": "theirs"}]
    }


async def test_a_label_change_reaches_live_views(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    vip = await _label(api, desk.key, "vip")
    conversation, _ = await desk.start()
    async with open_socket(server_url, key=desk.key) as dashboard:
        await dashboard.subscribe(
            "c", "subscription($f: ConversationFilter) { conversationCount(filter: $f) }"
        )
        await dashboard.send({"id": "c", "type": "complete"})
        await dashboard.subscribe(
            "v", COUNT.replace("query", "subscription"), {"f": {"labels": {"anyOf": [vip]}}}
        )
        assert await dashboard.next("v") == {"conversationCount": 0}
        await dashboard.subscribe("e", EVENTS, {"f": None, "after": None})
        await api(ADD, {"id": conversation, "labels": [vip]}, key=desk.key)
        seen: dict[str, Any] = {}
        while len(seen) < 2:
            message = await dashboard.receive()
            if message.get("id") in ("v", "e"):
                seen[message["id"]] = message["payload"]["data"]
    assert seen["v"] == {"conversationCount": 1}
    assert seen["e"]["conversationEvents"]["kind"] == "UPDATED"
