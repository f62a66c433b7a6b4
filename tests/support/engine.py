"""The built-in engine running in the test's own process against a provider on loopback."""

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from starlette.applications import Starlette

from resolvers.ids import encode_id
from server.engine.settings import EngineSettings
from server.engine.worker import Engine
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.model_server import ModelServer

FAST = EngineSettings(
    enabled=True,
    api_key="sk-test",
    retries=2,
    stall_seconds=1.0,
    lease_seconds=2,
    poll_seconds=0.2,
)
"""Small times, so failures show within a second or two."""

STOP_SECONDS = 15
"""An engine stops within this: its turns are cancelled and their replies ended."""

START = """mutation($input: StartConversationInput!) { startConversation(input: $input) {
  sessionToken conversation { id } } }"""
SAY = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { sequence } } }"""
ENGINE = """mutation($id: ID!, $input: AssistantInput!) { updateAssistant(id: $id, input: $input) {
  assistant { engine { model provider instructions } } } }"""
TRANSCRIPT = """query($id: ID!) { conversation(id: $id) { usage { cost } messages {
  edges { node { id sequence role state content timeToFirstTokenMs usage { inputTokens
  outputTokens cost } } } } } }"""


@asynccontextmanager
async def engine_running(
    app: Starlette, settings: Settings, provider: ModelServer, **overrides: Any
) -> AsyncIterator[Engine]:
    engine_settings = replace(FAST, **{"base_url": provider.url, **overrides})
    engine = Engine(engine_settings, settings.bounds, app.state.live, settings.webhooks)
    engine.start()
    try:
        yield engine
    finally:
        try:
            async with asyncio.timeout(STOP_SECONDS):
                await engine.stop()
        except TimeoutError:
            for task in asyncio.all_tasks():  # where it hangs, for the report
                task.print_stack(file=sys.stderr)
            raise AssertionError(f"the engine did not stop within {STOP_SECONDS} s") from None


class Chat:
    """A workspace whose assistant the engine answers, and a visitor's conversation with it."""

    def __init__(self, api: Api, key: str, assistant: str) -> None:
        self.api, self.key, self.assistant = api, key, assistant
        self.conversation = ""
        self.token = ""
        self.sent = 0

    @classmethod
    async def open(
        cls, api: Api, instructions: str = "You are Shop Support.", first_message: str = ""
    ) -> "Chat":
        workspace_id, key = await factories.workspace()
        bot = await factories.assistant(
            workspace_id,
            "Shop Support",
            pre_chat_form=[{"name": "email", "label": "Email", "type": "EMAIL"}],
        )
        chat = cls(api, key, encode_id("Assistant", bot.id))
        engine = {
            "model": "gpt-4o-mini",
            "instructions": instructions,
            "firstMessage": first_message or None,
        }
        answer = await api(
            ENGINE, {"id": chat.assistant, "input": {"name": "Shop Support", "engine": engine}},
            key=key,
        )  # fmt: skip
        assert answer.codes == [], answer
        started = await api(
            START,
            {
                "input": {
                    "assistantId": chat.assistant,
                    "type": "TEST",
                    "preChat": [{"name": "email", "value": "ada@example.com"}],
                }
            },
            key=key,
        )
        assert started.codes == [], started
        chat.conversation = started.data["startConversation"]["conversation"]["id"]
        chat.token = started.data["startConversation"]["sessionToken"]
        return chat

    async def say(self, text: str) -> int:
        self.sent += 1
        payload = {
            "conversationId": self.conversation,
            "clientMessageId": f"visitor-{self.sent}",
            "content": text,
        }
        answer = await self.api(SAY, {"input": payload}, key=self.token)
        assert answer.codes == [], answer
        sequence: int = answer.data["sendMessage"]["message"]["sequence"]
        return sequence

    async def transcript(self) -> dict[str, Any]:
        answer = await self.api(TRANSCRIPT, {"id": self.conversation}, key=self.key)
        assert answer.codes == [], answer
        found: dict[str, Any] = answer.data["conversation"]
        return found

    async def replies(self) -> list[dict[str, Any]]:
        edges = (await self.transcript())["messages"]["edges"]
        return [edge["node"] for edge in edges if edge["node"]["role"] == "ASSISTANT"]
