"""Writing through the real API while websocket clients watch."""

from typing import Any

from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api
from tests.support.ws import Socket

START = """mutation($input: StartConversationInput!) { startConversation(input: $input) {
  sessionToken conversation { id } } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { sequence } } }"""
END = "mutation($id: ID!) { endConversation(conversationId: $id) { conversation { id } } }"
SET = """mutation($input: SetVariablesInput!) { setVariables(input: $input) {
  conversation { id } } }"""
MESSAGES = """subscription($id: ID!, $after: String) {
  messageAdded(conversationId: $id, after: $after) { cursor node { sequence content } } }"""
COUNT = "subscription($f: ConversationFilter) { conversationCount(filter: $f) }"
EVENTS = """subscription($f: ConversationFilter, $after: String) {
  conversationEvents(filter: $f, after: $after) {
    cursor kind conversation { id type messageCount } } }"""


async def sequences(socket: Socket, id: str, count: int) -> list[tuple[int, str]]:
    """The (sequence, cursor) of the next `count` messages of subscription `id`."""
    found = []
    for _ in range(count):
        edge = (await socket.next(id))["messageAdded"]
        found.append((edge["node"]["sequence"], edge["cursor"]))
    return found


class Desk:
    """A workspace with an assistant, driven through the API with its secret key."""

    def __init__(self, api: Api, workspace_id: int, key: str, assistant: str) -> None:
        self.api = api
        self.workspace_id = workspace_id
        self.key = key
        self.assistant = assistant

    @classmethod
    async def open(cls, api: Api, name: str = "Acme") -> "Desk":
        workspace_id, key = await factories.workspace(name)
        bot = await factories.assistant(
            workspace_id, extracted_variables=[{"name": "intent", "type": "TEXT"}]
        )
        return cls(api, workspace_id, key, encode_id("Assistant", bot.id))

    async def start(self, type: str = "TEST") -> tuple[str, str]:
        """A new conversation's ID and session token."""
        payload = {"assistantId": self.assistant, "type": type}
        data = (await self.api(START, {"input": payload}, key=self.key)).data["startConversation"]
        return data["conversation"]["id"], data["sessionToken"]

    async def send(self, conversation: str, n: int, content: str | None = None) -> int:
        payload = {
            "conversationId": conversation,
            "clientMessageId": f"m{n}",
            "content": content or f"message {n}",
        }
        result = await self.api(SEND, {"input": payload}, key=self.key)
        sequence: int = result.data["sendMessage"]["message"]["sequence"]
        return sequence

    async def extract(self, conversation: str, value: Any) -> None:
        payload = {
            "conversationId": conversation,
            "variables": [{"name": "intent", "value": value}],
        }
        assert (await self.api(SET, {"input": payload}, key=self.key)).codes == []

    async def end(self, conversation: str) -> None:
        assert (await self.api(END, {"id": conversation}, key=self.key)).codes == []
