"""What recording tests share: a shop (a workspace whose assistant has a pre-chat form and
extracted variables, with its widget key and secret key) and the mutations it is sent."""

from typing import Any

from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from resolvers.session import PREFIX as SESSION_PREFIX
from tests.support import factories
from tests.support.api import Api

FORM = [
    {"name": "email", "label": "Email", "type": "EMAIL", "required": True},
    {"name": "plan", "label": "Plan", "type": "SELECT", "options": ["Free", "Pro"]},
]
EXTRACTED = [
    {"name": "order_number", "type": "TEXT"},
    {"name": "satisfied", "type": "BOOLEAN"},
]

START = """mutation($input: StartConversationInput!) { startConversation(input: $input) {
  sessionToken conversation { id type status visitor { sessionId pageUrl }
    variables { name value source type } } } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { id sequence role content usage { inputTokens outputTokens cachedInputTokens cost
    costKnown } model provider }
  conversation { messageCount lastActivityAt
    usage { inputTokens outputTokens cost costKnown } } } }"""
VISITOR_SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { id sequence role content } conversation { lastActivityAt } } }"""
"""What a visitor's session token may ask of `sendMessage` (tests/test_visitor_view.py)."""
SET = """mutation($input: SetVariablesInput!) { setVariables(input: $input) {
  conversation { variables(source: EXTRACTED) { name value collectedAt } } } }"""


class Shop:
    """A workspace with an assistant that has a form, its widget key and the secret key."""

    def __init__(self, workspace_id: int, secret: str, assistant_id: int, widget: str) -> None:
        self.workspace_id = workspace_id
        self.secret = secret
        self.assistant_id = assistant_id
        self.widget = widget

    @property
    def assistant(self) -> str:
        return encode_id("Assistant", self.assistant_id)


async def shop(name: str = "Acme") -> Shop:
    workspace_id, secret = await factories.workspace(name)
    bot = await factories.assistant(workspace_id, pre_chat_form=FORM, extracted_variables=EXTRACTED)
    _, widget = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    return Shop(workspace_id, secret, bot.id, widget)


async def start(api: Api, s: Shop, key: str | None = None, **fields: Any) -> dict[str, Any]:
    payload = {
        "assistantId": s.assistant,
        "preChat": [{"name": "email", "value": "ada@example.com"}],
        **fields,
    }
    result = await api(START, {"input": payload}, key=key or s.widget)
    started: dict[str, Any] = result.data["startConversation"]
    return started


async def send(api: Api, key: str, conversation: str, cid: str, content: str, **more: Any) -> Any:
    payload = {"conversationId": conversation, "clientMessageId": cid, "content": content, **more}
    visitor = key.startswith(SESSION_PREFIX)  # the visitor's view
    return await api(VISITOR_SEND if visitor else SEND, {"input": payload}, key=key)
