"""What webhook tests share: a delivery worker run in the test's own process with the settings
it chooses, and the API calls that register endpoints and make events."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from starlette.applications import Starlette

from resolvers.webhook import WebhookSettings
from server.webhooks.worker import WebhookWorker
from tests.support.api import Api

FAST = WebhookSettings(
    allow_private=True,
    timeout_seconds=1.0,
    first_retry_seconds=0.05,
    max_retry_seconds=0.3,
    poll_seconds=0.05,
)
"""Retries within a second, so a test sees many of them."""

CREATE = """mutation($url: String!, $events: [WebhookEvent!]!, $filter: ConversationFilter,
  $follow: Boolean! = false) {
  createWebhookEndpoint(url: $url, events: $events, filter: $filter, followRedirects: $follow) {
    secret endpoint { id url events filter state } } }"""
START = """mutation($assistant: ID!, $type: ConversationType) {
  startConversation(input: {assistantId: $assistant, type: $type}) {
    conversation { id } sessionToken } }"""
SEND = """mutation($id: ID!, $n: String!, $content: String!, $role: MessageRole) {
  sendMessage(input: {conversationId: $id, clientMessageId: $n, content: $content,
    role: $role}) { message { id sequence } } }"""
END = "mutation($id: ID!) { endConversation(conversationId: $id) { conversation { status } } }"
ALL_EVENTS = [
    "CONVERSATION_STARTED",
    "MESSAGE_ADDED",
    "VARIABLES_SET",
    "CONVERSATION_ENDED",
    "CONVERSATION_RATED",
    "CONVERSATION_LABELLED",
    "CONVERSATION_ERASED",
]


@asynccontextmanager
async def working(
    app: Starlette, settings: WebhookSettings = FAST, **changes: Any
) -> AsyncIterator[WebhookWorker]:
    """A delivery worker on the test app's schema and live feed, stopped afterwards."""
    worker = WebhookWorker(
        app.state.graphql_view.schema,
        replace(settings, **changes),
        app.state.live,
    )
    worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


async def endpoint(
    api: Api, key: str, url: str, events: list[str] | None = None, **variables: Any
) -> tuple[str, str]:
    """A new endpoint's ID and signing secret."""
    made = await api(CREATE, {"url": url, "events": events or ALL_EVENTS, **variables}, key=key)
    created = made.data["createWebhookEndpoint"]
    return created["endpoint"]["id"], created["secret"]


async def chat(api: Api, key: str, assistant: str, messages: int, kind: str = "TEST") -> str:
    """A conversation started, `messages` messages sent and ended through the API: its ID."""
    started = await api(START, {"assistant": assistant, "type": kind}, key=key)
    conversation: str = started.data["startConversation"]["conversation"]["id"]
    for number in range(messages):
        role = "USER" if number % 2 == 0 else "ASSISTANT"
        sent = await api(
            SEND,
            {"id": conversation, "n": f"m{number}", "content": f"message {number}", "role": role},
            key=key,
        )
        assert sent.data
    assert (await api(END, {"id": conversation}, key=key)).data
    return conversation
