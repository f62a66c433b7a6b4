"""What each contender is asked, scenario by scenario: Parley's GraphQL document, the hand-written
route that stands for it, and PostGraphile's closest equivalent on the same tables.

The `List` scenarios send Parley the dashboard's own document and variables, read from its
queries.js at run time (bench/peers/dashboard.py); the others' documents are written here.

A request body is JSON text; for writes it holds two placeholders that the wrk script fills in per
request (a conversation, spread over many, and a clientMessageId that is never used twice).
"""

import json
from dataclasses import dataclass
from typing import Any

from bench.peers import dashboard
from bench.peers.dataset import BADGE, MEASURED, SMALL, WRITERS, Dataset
from bench.peers.handwritten import ROUTES

CONVERSATION = "@@CONVERSATION@@"
CLIENT_MESSAGE = "@@CLIENT@@"

PARLEY_A = """query ListA($types: [ConversationType!]) {
  conversations(first: 50, filter: { types: $types }) {
    totalCount
    edges { node {
      id type status startedAt messageCount
      assistant { name }
      variables { name value source }
      usage { inputTokens outputTokens totalTokens cost costKnown }
      messages(last: 1) { edges { node { sequence role content createdAt } } }
    } }
  }
}"""
POSTGRAPHILE_A = """query ListA($workspace: BigInt!, $type: String!) {
  allConversations(first: 50, condition: { workspaceId: $workspace, type: $type },
                   orderBy: [STARTED_AT_DESC, ROW_ID_DESC]) {
    totalCount
    nodes {
      id rowId type status startedAt messageCount
      assistantByAssistantId { name }
      variablesByConversationId(orderBy: [NAME_ASC, SOURCE_ASC]) {
        nodes { name valueJson source }
      }
      inputTokens outputTokens costE12 unpricedReplies
      messagesByConversationId(last: 1, orderBy: SEQUENCE_ASC) {
        nodes { sequence role content createdAt }
      }
    }
  }
}"""
PARLEY_B = """{ conversations(first: 20) {
  totalCount edges { node { id type status startedAt messageCount } } } }"""
POSTGRAPHILE_B = """query ListB($workspace: BigInt!) {
  allConversations(first: 20, condition: { workspaceId: $workspace },
                   orderBy: [STARTED_AT_DESC, ROW_ID_DESC]) {
    totalCount nodes { id rowId type status startedAt messageCount } } }"""
PARLEY_C = """query Badge($types: [ConversationType!]) {
  conversationCount(filter: { types: $types }) }"""
POSTGRAPHILE_C = """query Badge($workspace: BigInt!, $type: String!) {
  allConversations(condition: { workspaceId: $workspace, type: $type }) { totalCount } }"""
POSTGRAPHILE_LIST = """query List($workspace: BigInt!, $type: String!, $first: Int!) {
  workspaceByRowId(rowId: $workspace) { eventSeq }
  allConversations(first: $first, condition: { workspaceId: $workspace, type: $type },
                   orderBy: [STARTED_AT_DESC, ROW_ID_DESC]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id rowId type status startedAt lastActivityAt messageCount
      assistantByAssistantId { id name }
      inputTokens outputTokens costE12 unpricedReplies
      conversationLabelsByConversationId(orderBy: LABEL_ID_ASC) {
        nodes { labelByLabelId { id name colour } }
      }
      rating
    } }
  }
}"""
"""The dashboard's List in PostGraphile's terms: the same page, labels and rating, usage as its
columns, and the workspace's `event_seq` (what Parley's `eventCursor` stands for) read in the same
request. Labels come by the junction's label id, which is name order for the bench's labels
(created in name order): PostGraphile cannot order a junction by the label's name."""
PARLEY_D = """mutation Send($input: SendMessageInput!) { sendMessage(input: $input) {
  message { id sequence role content usage { inputTokens outputTokens cost costKnown } }
  conversation { messageCount usage { inputTokens outputTokens cost costKnown } } } }"""
POSTGRAPHILE_D = """mutation Send($input: PeerSendMessageInput!) { peerSendMessage(input: $input) {
  result { rowId sequence role content inputTokens outputTokens costE12
    conversationByConversationId { messageCount inputTokens outputTokens costE12
      unpricedReplies } } } }"""
REPLY = {
    "content": "Your order ships tomorrow; here is the tracking link.",
    "provider": "openai",
    "model": "gpt-4o",
    "inputTokens": 1200,
    "outputTokens": 80,
    "cachedInputTokens": 600,
    "cost": "0.00305",
}
"""The assistant reply D records: the same tokens and given cost for every contender."""


@dataclass(frozen=True)
class Call:
    path: str
    body: str
    key: str | None
    """Bearer token; PostGraphile is served without authentication."""


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    parley: Call
    handwritten: Call
    postgraphile: Call
    conversations: int
    writes: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    """For writes: the conversations to spread over, as Parley IDs and as PostGraphile row ids."""
    badge_only: bool = False
    """Timed at concurrency 1 only: the badge's latency as the data grows."""


def _body(query: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": query, "variables": variables})


def _send_input() -> dict[str, Any]:
    usage = {name: REPLY[name] for name in REPLY if name != "content"}
    return {
        "conversationId": CONVERSATION,
        "clientMessageId": CLIENT_MESSAGE,
        "role": "ASSISTANT",
        "content": REPLY["content"],
        "usage": usage,
    }


def _peer_send_input(workspace: int) -> dict[str, Any]:
    return {
        "pConversation": CONVERSATION,
        "pWorkspace": str(workspace),
        "pClientMessageId": CLIENT_MESSAGE,
        "pContent": REPLY["content"],
        "pProvider": REPLY["provider"],
        "pModel": REPLY["model"],
        "pInputTokens": REPLY["inputTokens"],
        "pOutputTokens": REPLY["outputTokens"],
        "pCachedInputTokens": REPLY["cachedInputTokens"],
        "pCost": REPLY["cost"],
    }


def _reads(name: str, title: str, data: Dataset, tenant: str, kind: str) -> Scenario:
    """A, B or C on one tenant: `kind` names the documents (and the route) to use."""
    loaded = data.tenants[tenant]
    workspace = str(loaded.workspace_id)
    parley_vars: dict[str, Any] = {} if kind == "B" else {"types": ["WEB_WIDGET"]}
    peer_vars: dict[str, Any] = {"workspace": workspace}
    if kind != "B":
        peer_vars["type"] = "WEB_WIDGET"
    parley, peer = {"A": (PARLEY_A, POSTGRAPHILE_A), "B": (PARLEY_B, POSTGRAPHILE_B)}.get(
        kind, (PARLEY_C, POSTGRAPHILE_C)
    )
    return Scenario(
        name=name,
        title=title,
        parley=Call("/graphql", _body(parley, parley_vars), loaded.key),
        handwritten=Call(ROUTES[kind], _body(parley, parley_vars), loaded.key),
        postgraphile=Call("/graphql", _body(peer, peer_vars), None),
        conversations=loaded.tenant.conversations,
        badge_only=name.startswith("badge"),
    )


def _dashboard_list(name: str, title: str, data: Dataset, tenant: str) -> Scenario:
    """The dashboard's `List` on one tenant, its first page of one type, as the page sends it."""
    loaded = data.tenants[tenant]
    types = ["WEB_WIDGET"]
    variables = dashboard.list_variables(types)
    parley = _body(dashboard.list_document(), variables)
    peer = {"workspace": str(loaded.workspace_id), "type": types[0], "first": variables["first"]}
    return Scenario(
        name=name,
        title=title,
        parley=Call("/graphql", parley, loaded.key),
        handwritten=Call(ROUTES["List"], parley, loaded.key),
        postgraphile=Call("/graphql", _body(POSTGRAPHILE_LIST, peer), None),
        conversations=loaded.tenant.conversations,
    )


def build(data: Dataset, writers: tuple[tuple[str, ...], tuple[str, ...]]) -> list[Scenario]:
    """Every scenario, in the order they are reported."""
    writer = data.tenants[WRITERS.name]
    send = _body(PARLEY_D, {"input": _send_input()})
    return [
        _reads(
            "A 100k", "A: list page of 50 with relations, 100k workspace", data, MEASURED.name, "A"
        ),
        _reads("A 10k", "A on a 10k-conversation workspace", data, SMALL.name, "A"),
        _reads(
            "B",
            "B: 20 rows of plain fields with totalCount, 100k workspace",
            data,
            MEASURED.name,
            "B",
        ),
        _reads("C", "C: conversationCount of one type, 10k workspace", data, SMALL.name, "C"),
        Scenario(
            name="D",
            title="D: sendMessage with usage, writers spread over 1,000 conversations",
            parley=Call("/graphql", send, writer.key),
            handwritten=Call(ROUTES["D"], send, writer.key),
            postgraphile=Call(
                "/graphql",
                _body(POSTGRAPHILE_D, {"input": _peer_send_input(writer.workspace_id)}),
                None,
            ),
            conversations=writer.tenant.conversations,
            writes=writers,
        ),
        _dashboard_list(
            "List 100k",
            "List: the dashboard's own List document (25 rows of one type, labels, rating), "
            "100k workspace",
            data,
            MEASURED.name,
        ),
        _dashboard_list("List 10k", "List on a 10k-conversation workspace", data, SMALL.name),
        _reads("badge 100k", "badge: conversationCount, 100k workspace", data, MEASURED.name, "C"),
        _reads("badge 1M", "badge: conversationCount, 1M workspace", data, BADGE.name, "C"),
    ]
