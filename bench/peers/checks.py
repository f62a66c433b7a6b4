"""Before anything is timed: every contender must give the right answer.

The hand-written endpoint must answer exactly what Parley answers (parsed JSON, equal), and
PostGraphile the same total and the same rows in the same order (for the dashboard's List also
each row's labels, rating, assistant, message count and usage, whether there is a next page, and
the event number Parley's `eventCursor` names); for the write, each contender's answer must agree
with what Parley reads back afterwards. A difference stops the run: a fast wrong
answer is no benchmark.
"""

import asyncio
import json
import re
import urllib.error
import urllib.request
from typing import Any

import asyncpg

from bench.peers.handwritten import EVENT_CURSOR, money
from bench.peers.scenarios import CLIENT_MESSAGE, CONVERSATION, Call, Scenario
from resolvers.ids import decode_id, parse_sequence_cursor

READ_BACK = """query ReadBack($id: ID!) { conversation(id: $id) {
  messageCount usage { inputTokens outputTokens cost costKnown }
  messages(last: 1) { edges { node {
    id sequence role content usage { inputTokens outputTokens cost costKnown } } } } } }"""


class Mismatch(SystemExit):
    """A contender answered something else: the run stops before timing anything."""


def post(base: str, call: Call, body: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if call.key is not None:
        headers["Authorization"] = f"Bearer {call.key}"
    request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 of our own servers)
        base + call.path, data=(body or call.body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (our servers)
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:  # GraphQL servers answer some errors with a 4xx
        text = error.read().decode(errors="replace")
        raise Mismatch(f"bench: {base}{call.path} answered {error.code}: {text[:800]}") from None


def fill(body: str, conversation: str, client_message_id: str) -> str:
    return body.replace(CONVERSATION, conversation).replace(CLIENT_MESSAGE, client_message_id)


def difference(left: Any, right: Any, path: str = "") -> str | None:
    """Where two parsed answers first differ, as a path with both values; None when equal."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in [*left, *(key for key in right if key not in left)]:
            found = difference(left.get(key), right.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items vs {len(right)}"
        for index, (one, other) in enumerate(zip(left, right, strict=True)):
            found = difference(one, other, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if left == right else f"{path}: {left!r} vs {right!r}"


def _rows(answer: Any) -> tuple[int, list[int]]:
    """Parley's total and conversation row keys, from a list or a count."""
    data = answer["data"]
    if "conversationCount" in data:
        return data["conversationCount"], []
    page = data["conversations"]
    ids = [decode_id(edge["node"]["id"], "Conversation") for edge in page["edges"]]
    return page["totalCount"], ids


def _peer_nodes(page: Any) -> list[Any]:
    if "nodes" in page:
        return list(page["nodes"])
    return [edge["node"] for edge in page.get("edges", [])]


def _peer_rows(answer: Any) -> tuple[int, list[int]]:
    page = answer["data"]["allConversations"]
    return page["totalCount"], [int(node["rowId"]) for node in _peer_nodes(page)]


def _list_details(answer: Any) -> dict[str, Any]:
    """What else the dashboard's List shows, from Parley's answer."""
    page = answer["data"]["conversations"]
    rows = [
        {
            "labels": [(label["name"], label["colour"]) for label in node["labels"]],
            "rating": None if node["rating"] is None else node["rating"]["score"],
            "assistant": node["assistant"]["name"],
            "messageCount": node["messageCount"],
            "usage": node["usage"],
            "status": node["status"],
        }
        for node in (edge["node"] for edge in page["edges"])
    ]
    return {
        "hasNextPage": page["pageInfo"]["hasNextPage"],
        "event": parse_sequence_cursor(page["eventCursor"], EVENT_CURSOR),
        "rows": rows,
    }


def _peer_list_details(answer: Any) -> dict[str, Any]:
    """The same, from PostGraphile's answer to its List."""
    page = answer["data"]["allConversations"]
    rows = [
        {
            "labels": [
                (item["labelByLabelId"]["name"], item["labelByLabelId"]["colour"])
                for item in node["conversationLabelsByConversationId"]["nodes"]
            ],
            "rating": node["rating"],
            "assistant": node["assistantByAssistantId"]["name"],
            "messageCount": node["messageCount"],
            "usage": {
                "totalTokens": int(node["inputTokens"]) + int(node["outputTokens"]),
                "cost": money(int(node["costE12"])),
                "costKnown": node["unpricedReplies"] == 0,
            },
            "status": node["status"],
        }
        for node in _peer_nodes(page)
    ]
    return {
        "hasNextPage": page["pageInfo"]["hasNextPage"],
        "event": int(answer["data"]["workspaceByRowId"]["eventSeq"]),
        "rows": rows,
    }


def check_list(name: str, parley: Any, peer: Any) -> None:
    """The dashboard's List: PostGraphile shows the same, and the page does show labels (one
    with two) and ratings, or the scenario would not measure reading them."""
    ours, theirs = _list_details(parley), _peer_list_details(peer)
    if ours != theirs:
        raise Mismatch(
            f"bench: PostGraphile's rows for {name} differ from Parley's "
            f"(Parley vs PostGraphile) at {difference(ours, theirs)}"
        )
    rows = ours["rows"]
    if not any(len(row["labels"]) > 1 for row in rows) or not any(row["rating"] for row in rows):
        raise Mismatch(f"bench: {name}'s page shows no row with two labels or none rated")


def _no_errors(name: str, who: str, answer: Any) -> None:
    if "errors" in answer or answer.get("data") is None:
        raise Mismatch(f"bench: {who} answered {name} with errors: {json.dumps(answer)[:800]}")


def check_reads(scenario: Scenario, urls: dict[str, str]) -> None:
    parley = post(urls["parley"], scenario.parley)
    _no_errors(scenario.name, "Parley", parley)
    hand = post(urls["handwritten"], scenario.handwritten)
    if hand != parley:
        raise Mismatch(
            f"bench: the hand-written endpoint's answer to {scenario.name} differs from Parley's "
            f"(Parley vs hand-written) at {difference(parley, hand)}"
        )
    peer = post(urls["postgraphile"], scenario.postgraphile)
    _no_errors(scenario.name, "PostGraphile", peer)
    if _peer_rows(peer) != _rows(parley):
        raise Mismatch(
            f"bench: PostGraphile's total or rows for {scenario.name} differ from Parley's: "
            f"{_peer_rows(peer)} vs {_rows(parley)}"
        )
    if "eventCursor" in parley["data"].get("conversations", {}):
        check_list(scenario.name, parley, peer)


def _read_back(url: str, call: Call, conversation: str) -> Any:
    body = json.dumps({"query": READ_BACK, "variables": {"id": conversation}})
    found = post(url, call, body)["data"]["conversation"]
    return {
        "sendMessage": {
            "message": found["messages"]["edges"][0]["node"],
            "conversation": {"messageCount": found["messageCount"], "usage": found["usage"]},
        }
    }


def check_write(scenario: Scenario, urls: dict[str, str], tag: str) -> None:
    """One reply through each contender, each to its own conversation, then read back."""
    assert scenario.writes is not None
    ids, rows = scenario.writes
    extensions = []
    for index, (kind, call) in enumerate(
        (("parley", scenario.parley), ("handwritten", scenario.handwritten))
    ):
        answer = post(urls[kind], call, fill(call.body, ids[index], f"{tag}-check-{kind}"))
        _no_errors(scenario.name, kind, answer)
        expected = _read_back(urls["parley"], scenario.parley, ids[index])
        if answer["data"] != expected:
            raise Mismatch(
                f"bench: {kind}'s answer to {scenario.name} differs from what Parley reads back "
                f"(answer vs read back) at {difference(answer['data'], expected)}"
            )
        extensions.append(answer.get("extensions"))
    if extensions[0] != extensions[1]:
        raise Mismatch(f"bench: {scenario.name}'s extensions differ: {extensions}")
    peer = post(
        urls["postgraphile"],
        scenario.postgraphile,
        fill(scenario.postgraphile.body, rows[2], f"{tag}-check-postgraphile"),
    )
    _no_errors(scenario.name, "PostGraphile", peer)
    written = peer["data"]["peerSendMessage"]["result"]
    if written["sequence"] != written["conversationByConversationId"]["messageCount"]:
        raise Mismatch(f"bench: PostGraphile's write left totals behind: {written}")


async def _landed(url: str, run_tag: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        found: int = await connection.fetchval(
            "SELECT COUNT(*) FROM message WHERE client_message_id ~ $1",
            f"^{re.escape(run_tag)}-(warm|r[0-9]+)-",
        )
    finally:
        await connection.close()
    return found


def check_writes_landed(url: str, run_tag: str, sent: tuple[int, int]) -> None:
    """Every write wrk counted is a message row (a GraphQL error would still be a 200): at least
    as many rows as answers, at most those plus what was in flight when each cell ended."""
    answered, in_flight = sent
    rows = asyncio.run(_landed(url, run_tag))
    if not answered <= rows <= answered + in_flight:
        raise Mismatch(
            f"bench: the timed writes left {rows} messages for {answered} answered requests "
            f"(up to {in_flight} more in flight): some writes failed inside a 200"
        )
