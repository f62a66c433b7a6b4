"""Feedback: a visitor's CSAT and thumbs on replies, kept with who and when, filtered, counted
live, summarised; refused for the wrong caller or value."""

from typing import Any

from models import ApiKey
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests.support.api import Api
from tests.support.live import EVENTS, SEND, Desk
from tests.support.ws import open_socket

RATE = """mutation($id: ID!, $score: Int!, $comment: String) {
  rateConversation(conversationId: $id, score: $score, comment: $comment) {
    rating { score comment ratedAt } } }"""
THUMB = """mutation($id: ID!, $rating: Thumb!, $reason: String) {
  rateMessage(messageId: $id, rating: $rating, reason: $reason) {
    feedback { rating reason ratedAt byKeyId } } }"""
FIRST = "query($id: ID!) { conversation(id: $id) { messages(first: 1) { edges { node { id } } } } }"
SUMMARY = """{ usageSummary(groupBy: TYPE, filter: {types: [TEST, WEB_WIDGET]}) { buckets {
  type conversations ratedConversations averageRating ratingCounts } } }"""


async def _reply(desk: Desk, conversation: str, n: int) -> str:
    payload = {
        "conversationId": conversation,
        "clientMessageId": f"r{n}",
        "content": f"answer {n}",
        "role": "ASSISTANT",
    }
    result = await desk.api(
        SEND.replace("sequence", "id sequence"), {"input": payload}, key=desk.key
    )
    message_id: str = result.data["sendMessage"]["message"]["id"]
    return message_id


async def test_a_visitor_rates_the_chat_and_its_replies_and_a_builder_too(api: Api) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start("WEB_WIDGET")
    other, other_token = await desk.start("WEB_WIDGET")
    await desk.send(conversation, 1)
    first, second = await _reply(desk, conversation, 1), await _reply(desk, conversation, 2)

    rated = await api(RATE, {"id": conversation, "score": 4, "comment": "quick"}, key=token)
    assert rated.data["rateConversation"]["rating"]["score"] == 4
    again = await api(RATE, {"id": conversation, "score": 5}, key=token)
    assert again.data["rateConversation"]["rating"]["comment"] is None  # replaced whole
    assert (await api(RATE, {"id": conversation, "score": 5}, key=other_token)).codes == [
        "NOT_FOUND"
    ]
    for score in (0, 6):
        assert (await api(RATE, {"id": other, "score": score}, key=other_token)).codes == [
            "BAD_USER_INPUT"
        ]
    _, reader = await create_api_key(
        desk.workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ})
    )
    assert (await api(RATE, {"id": other, "score": 3}, key=reader)).codes == ["FORBIDDEN"]

    visitors_thumb = THUMB.replace(" byKeyId", "")  # which key rated is not the visitor's to read
    up = await api(visitors_thumb, {"id": first, "rating": "UP"}, key=token)
    assert up.data["rateMessage"]["feedback"]["rating"] == "UP"
    assert (await api(THUMB, {"id": first, "rating": "UP"}, key=token)).codes == ["FORBIDDEN"]
    feedback = "query($id: ID!) { node(id: $id) { ... on Message { feedback { byKeyId } } } }"
    read = await api(feedback, {"id": first}, key=desk.key)
    assert read.data["node"]["feedback"] == {"byKeyId": None}  # the visitor's own
    down = await api(THUMB, {"id": second, "rating": "DOWN", "reason": "wrong"}, key=desk.key)
    secret = (
        await ApiKey.filter(workspace_id=desk.workspace_id, kind=ApiKeyKind.SECRET)
        .order_by("id")
        .first()
    )
    assert secret is not None  # the workspace's own key, made before the reader
    assert down.data["rateMessage"]["feedback"]["byKeyId"] == encode_id("ApiKey", secret.id)
    assert (await api(visitors_thumb, {"id": second, "rating": "UP"}, key=other_token)).codes == [
        "NOT_FOUND"
    ]
    question = (
        await api(
            FIRST,
            {"id": conversation},
            key=desk.key,
        )
    ).data["conversation"]["messages"]["edges"][0]["node"]["id"]
    assert (await api(visitors_thumb, {"id": question, "rating": "UP"}, key=token)).codes == [
        "BAD_USER_INPUT"
    ]
    read = await api(
        "query($id: ID!) { conversation(id: $id) { rating { score } messages { edges { node {"
        " feedback { rating reason } } } } } }",
        {"id": conversation},
        key=desk.key,
    )
    node = read.data["conversation"]
    assert node["rating"] == {"score": 5}
    assert [e["node"]["feedback"] for e in node["messages"]["edges"]] == [
        None,
        {"rating": "UP", "reason": None},
        {"rating": "DOWN", "reason": "wrong"},
    ]


async def test_ratings_filter_count_and_summarise(api: Api) -> None:
    desk = await Desk.open(api)
    scores = {"WEB_WIDGET": [5, 4, None], "TEST": [2, None]}
    for kind, values in scores.items():
        for score in values:
            conversation, token = await desk.start(kind)
            if score is not None:
                await api(
                    RATE,
                    {"id": conversation, "score": score},
                    key=token if kind == "WEB_WIDGET" else desk.key,
                )

    async def count(where: dict[str, Any]) -> int:
        result = await api(
            "query($f: ConversationFilter) { conversationCount(filter: $f) }",
            {"f": where},
            key=desk.key,
        )
        n: int = result.data["conversationCount"]
        return n

    assert await count({"rated": True}) == 3
    assert await count({"rated": False}) == 2
    assert await count({"minRating": 4}) == 2
    assert await count({"maxRating": 2, "types": ["TEST"]}) == 1
    buckets = (await api(SUMMARY, key=desk.key)).data["usageSummary"]["buckets"]
    assert buckets == [
        {
            "type": "TEST",
            "conversations": 2,
            "ratedConversations": 1,
            "averageRating": 2.0,
            "ratingCounts": [0, 1, 0, 0, 0],
        },
        {
            "type": "WEB_WIDGET",
            "conversations": 3,
            "ratedConversations": 2,
            "averageRating": 4.5,
            "ratingCounts": [0, 0, 0, 1, 1],
        },
    ]


async def test_a_rating_reaches_live_views(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start("WEB_WIDGET")
    async with open_socket(server_url, key=desk.key) as dashboard:
        await dashboard.subscribe("c", "subscription { conversationCount(filter: {rated: true}) }")
        assert await dashboard.next("c") == {"conversationCount": 0}
        await dashboard.subscribe("e", EVENTS, {"f": None, "after": None})
        await api(RATE, {"id": conversation, "score": 3}, key=token)
        seen: dict[str, Any] = {}
        while len(seen) < 2:
            message = await dashboard.receive()
            seen[message["id"]] = message["payload"]["data"]
    assert seen["c"] == {"conversationCount": 1}
    assert seen["e"]["conversationEvents"]["kind"] == "UPDATED"
