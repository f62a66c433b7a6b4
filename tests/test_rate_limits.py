"""What untrusted browsers may do is limited; servers with secret keys are not."""

import httpx
from starlette.applications import Starlette

from models import Conversation, Message
from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests import factories
from tests.api import Api

START = """mutation($a: ID!) { startConversation(input: {assistantId: $a}) {
  sessionToken conversation { id } } }"""
SEND = """mutation($c: ID!, $id: String!) { sendMessage(input:
  {conversationId: $c, clientMessageId: $id, content: "hello"}) { message { sequence } } }"""


async def widget(api: Api) -> tuple[str, str, str]:
    """A secret key, a widget key and their assistant's ID."""
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    _, key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    return secret, key, encode_id("Assistant", bot.id)


async def test_a_widget_key_starts_ten_conversations_a_minute_per_visitor(
    api: Api, app: Starlette
) -> None:
    _, key, assistant = await widget(api)
    for _ in range(10):
        assert (await api(START, {"a": assistant}, key=key)).codes == []
    refused = await api(START, {"a": assistant}, key=key)
    assert refused.codes == ["RATE_LIMITED"]
    assert refused.errors[0]["extensions"]["retryAfter"] > 0
    assert await Conversation.all().count() == 10
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        elsewhere = await Api(client)(START, {"a": assistant}, key=key)
    assert elsewhere.codes == []  # another visitor is not held back


async def test_servers_with_secret_keys_are_not_limited(api: Api) -> None:
    secret, _, assistant = await widget(api)
    for _ in range(12):
        assert (await api(START, {"a": assistant}, key=secret)).codes == []


async def test_a_session_sends_thirty_messages_a_minute(api: Api) -> None:
    _, key, assistant = await widget(api)
    started = (await api(START, {"a": assistant}, key=key)).data["startConversation"]
    token, conversation = started["sessionToken"], started["conversation"]["id"]
    for n in range(30):
        assert (await api(SEND, {"c": conversation, "id": f"m{n}"}, key=token)).codes == []
    refused = await api(SEND, {"c": conversation, "id": "m30"}, key=token)
    assert refused.codes == ["RATE_LIMITED"]
    assert await Message.all().count() == 30
