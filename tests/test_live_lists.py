"""A live list without a seam: a page says the event cursor it reflects, so following the list
from there misses nothing and repeats nothing; and a change that takes a row out of the list's
filter (a label removed, a rating changed) reaches the list as LEFT, as an end does under a status
filter."""

from typing import Any

from tests.support.api import Api
from tests.support.live import Desk
from tests.support.ws import Socket, open_socket

PAGE = """query($f: ConversationFilter) { conversations(filter: $f, first: 10) {
  eventCursor edges { node { id } } } }"""
EVENTS = """subscription($f: ConversationFilter, $after: String) {
  conversationEvents(filter: $f, after: $after) { cursor kind conversationId } }"""
LABEL = 'mutation($n: String!) { createLabel(name: $n, colour: "#aa0000") { id } }'
ADD = """mutation($id: ID!, $labels: [ID!]!) {
  addLabels(conversationId: $id, labelIds: $labels) { id } }"""
REMOVE = """mutation($id: ID!, $labels: [ID!]!) {
  removeLabels(conversationId: $id, labelIds: $labels) { id } }"""
RATE = """mutation($id: ID!, $score: Int!) {
  rateConversation(conversationId: $id, score: $score) { id } }"""


async def _events(socket: Socket, id: str, count: int) -> list[tuple[str, str]]:
    found = []
    for _ in range(count):
        event = (await socket.next(id))["conversationEvents"]
        found.append((event["kind"], event["conversationId"]))
    return found


async def test_a_page_names_the_event_it_reflects_and_the_list_follows_from_there(
    api: Api, server_url: str
) -> None:
    desk = await Desk.open(api)
    first, _ = await desk.start()
    await desk.send(first, 1)
    page = (await api(PAGE, key=desk.key)).data["conversations"]
    assert [edge["node"]["id"] for edge in page["edges"]] == [first]
    second, _ = await desk.start()  # after the page: not in it, so it must be delivered
    await desk.send(first, 2)
    async with open_socket(server_url, key=desk.key) as socket:
        await socket.subscribe("e", EVENTS, {"after": page["eventCursor"]})
        assert await _events(socket, "e", 2) == [("STARTED", second), ("UPDATED", first)]
        third, _ = await desk.start()
        assert await _events(socket, "e", 1) == [("STARTED", third)]
    # A page of an empty workspace has a cursor too, and a page not asked for one has none.
    empty = await Desk.open(api, "Empty")
    assert (await api(PAGE, key=empty.key)).data["conversations"]["eventCursor"]
    plain = "{ conversations { edges { cursor } eventCursor } }"
    assert (await api(plain, key=desk.key)).data["conversations"]["eventCursor"]


async def _label(api: Api, desk: Desk, name: str) -> str:
    label_id: str = (await api(LABEL, {"n": name}, key=desk.key)).data["createLabel"]["id"]
    return label_id


async def test_a_row_that_stops_matching_leaves_the_live_list(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    vip = await _label(api, desk, "vip")
    kept, _ = await desk.start()
    dropped, _ = await desk.start()
    for conversation in (kept, dropped):
        assert (await api(ADD, {"id": conversation, "labels": [vip]}, key=desk.key)).codes == []
    by_label: dict[str, Any] = {"labels": {"anyOf": [vip]}}
    by_rating: dict[str, Any] = {"minRating": 4}
    async with (
        open_socket(server_url, key=desk.key) as labels,
        open_socket(server_url, key=desk.key) as ratings,
    ):
        # Each list is read, then followed from its page's cursor (no race with what follows).
        for socket, where in ((labels, by_label), (ratings, by_rating)):
            after = (await api(PAGE, {"f": where}, key=desk.key)).data["conversations"]
            await socket.subscribe("e", EVENTS, {"f": where, "after": after["eventCursor"]})
        await api(REMOVE, {"id": dropped, "labels": [vip]}, key=desk.key)
        assert await _events(labels, "e", 1) == [("LEFT", dropped)]
        await api(RATE, {"id": kept, "score": 5}, key=desk.key)
        assert await _events(ratings, "e", 1) == [("UPDATED", kept)]
        assert await _events(labels, "e", 1) == [("UPDATED", kept)]
        await api(RATE, {"id": kept, "score": 2}, key=desk.key)
        assert await _events(ratings, "e", 1) == [("LEFT", kept)]
        assert await _events(labels, "e", 1) == [("UPDATED", kept)]
        # A message to a conversation outside both lists reaches neither.
        await desk.send(dropped, 1)
        await desk.send(kept, 1)
        assert await _events(labels, "e", 1) == [("UPDATED", kept)]
        # Nothing else was sent to the rating list: its next event is this one.
        await api(RATE, {"id": dropped, "score": 4}, key=desk.key)
        assert await _events(ratings, "e", 1) == [("UPDATED", dropped)]
