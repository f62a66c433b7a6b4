"""What the dashboard's browser tests put in the workspace and what they check it against: a month
of recorded conversations, live chats made through the API as the widget and the engine make
them, and the API's own answers to the queries the dashboard's views stand for."""

from dataclasses import dataclass
from typing import Any

from models.enums import ApiKeyKind, ConversationType, VariableSource
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api

SHOP = "https://shop.example"
FORM = [{"name": "email", "label": "Email", "type": "EMAIL", "required": True}]
EXTRACTED = [{"name": "order_number", "type": "TEXT"}]
RECORDED = 30
"""More than the list's first page (25), so paging and scrolling have something to do."""
SMALLEST = "0.000000000001"
"""A cost of 10⁻¹² USD: shown as it is only if nothing goes through a float."""

START = """mutation($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id } sessionToken } }"""
SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { message { sequence } } }"""
SET = """mutation($input: SetVariablesInput!) {
  setVariables(input: $input) { conversation { id } } }"""
LABEL = 'mutation($name: String!) { createLabel(name: $name, colour: "#e5484d") { id } }'
LABELLED = """mutation($id: ID!, $labels: [ID!]!) {
  addLabels(conversationId: $id, labelIds: $labels) { labels { id } } }"""
RATE = """mutation($id: ID!, $score: Int!) {
  rateConversation(conversationId: $id, score: $score, comment: "Quick and clear") {
    rating { score } } }"""
END = "mutation($id: ID!) { endConversation(conversationId: $id) { conversation { id } } }"
LIST = """query($filter: ConversationFilter, $after: String) {
  conversations(filter: $filter, first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id type status messageCount usage { totalTokens cost costKnown } } } } }"""
FACETS = """query($filter: ConversationFilter) { conversationCounts(filter: $filter) {
  total byType { type count } byStatus { status count } } }"""
ONE = """query($id: ID!) { conversation(id: $id) { messageCount usage { cost costKnown }
  variables { name value source } messages(first: 100) { edges { node { sequence role content
  usage { cost } } } } } }"""
SUMMARY = """query($filter: ConversationFilter, $zone: String!) {
  usageSummary(groupBy: DAY, filter: $filter, timeZone: $zone) {
    buckets { start conversations cost } } }"""


@dataclass
class Workspace:
    """A seeded workspace: its key, its assistant and the widget key of that assistant."""

    api: Api
    secret: str
    assistant: str
    widget_key: str

    async def read(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The data the secret key gets (a test fails on any error)."""
        return await self.call(query, variables or {}, self.secret)

    async def call(
        self, query: str, variables: dict[str, Any], key: str, origin: str | None = None
    ) -> Any:
        headers = {"origin": origin} if origin else None
        return (await self.api(query, variables, key=key, headers=headers)).data

    async def chat(self, email: str, said: str, replies: int = 1) -> "Chat":
        """A widget conversation with its pre-chat answer, the visitor's message and the engine's
        replies (with usage), each through the API with the token the real caller holds."""
        start = {
            "assistantId": self.assistant,
            "preChat": [{"name": "email", "value": email}],
            "visitor": {"sessionId": f"visitor-{email}", "pageUrl": f"{SHOP}/help"},
        }
        started = await self.call(START, {"input": start}, self.widget_key, origin=SHOP)
        answer = started["startConversation"]
        chat = Chat(self, answer["conversation"]["id"], answer["sessionToken"])
        await chat.visitor(said)
        for _ in range(replies):
            await chat.reply(f"Thanks for asking about {said.lower()}")
        return chat

    async def ids(self, filter_: dict[str, Any] | None = None) -> list[str]:
        """Every conversation the filter matches, in the list's order, as the API pages them."""
        found: list[str] = []
        after = None
        while True:
            page = (await self.read(LIST, {"filter": filter_, "after": after}))["conversations"]
            found += [edge["node"]["id"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    async def rows(self, filter_: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        page = (await self.read(LIST, {"filter": filter_, "after": None}))["conversations"]
        return [edge["node"] for edge in page["edges"]]


@dataclass
class Chat:
    """A live widget conversation: the visitor writes with its session token, the engine with
    the workspace's secret key."""

    workspace: Workspace
    id: str
    session_token: str
    sent: int = 0

    async def visitor(self, content: str) -> None:
        self.sent += 1
        variables = {
            "input": {
                "conversationId": self.id,
                "clientMessageId": f"m-{self.sent}",
                "content": content,
            }
        }
        await self.workspace.call(SEND, variables, self.session_token)

    async def reply(self, content: str) -> None:
        self.sent += 1
        usage = {
            "provider": "openai",
            "model": "gpt-4o",
            "inputTokens": 1200,
            "cachedInputTokens": 1000,
            "outputTokens": 40,
        }
        variables = {
            "input": {
                "conversationId": self.id,
                "clientMessageId": f"r-{self.sent}",
                "role": "ASSISTANT",
                "content": content,
                "usage": usage,
            }
        }
        await self.workspace.read(SEND, variables)

    async def extract(self, name: str, value: str) -> None:
        variables = {
            "input": {"conversationId": self.id, "variables": [{"name": name, "value": value}]}
        }
        await self.workspace.read(SET, variables)

    async def rate(self, score: int) -> None:
        await self.workspace.call(RATE, {"id": self.id, "score": score}, self.session_token)

    async def end(self) -> None:
        await self.workspace.call(END, {"id": self.id}, self.session_token)


async def seeded(api: Api) -> Workspace:
    """RECORDED conversations of both types over two days (T0 on), ended or not, one of them
    costing 10⁻¹² USD, and an assistant whose widget may be used from SHOP."""
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(
        workspace_id,
        "Shop helper",
        pre_chat_form=FORM,
        extracted_variables=EXTRACTED,
        allowed_origins=[SHOP],
    )
    _, widget_key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    workspace = Workspace(api, secret, encode_id("Assistant", bot.id), widget_key)
    refund = (await workspace.read(LABEL, {"name": "refund"}))["createLabel"]["id"]
    for index in range(RECORDED):
        minute = index * 90  # 30 × 1.5 h: two days and a bit
        kind = ConversationType.TEST if index % 3 == 0 else ConversationType.WEB_WIDGET
        topic = "refund" if index % 4 == 0 else "shipping"
        cost = SMALLEST if index == RECORDED - 1 else None
        row = await factories.conversation(
            workspace_id,
            bot.id,
            minute=minute,
            type=kind,
            messages=[
                factories.said(f"A question about {topic} number {index}", minute + 1),
                factories.reply(f"An answer about {topic}", minute + 2, cost=cost),
            ],
            variables=[
                factories.variable(
                    "email", f"v{index}@example.com", source=VariableSource.PRE_CHAT_FORM
                )
            ],
            ended_minute=minute + 5 if index % 5 else None,
        )
        if topic == "refund":
            labels = {"id": encode_id("Conversation", row.id), "labels": [refund]}
            await workspace.read(LABELLED, labels)
    return workspace
