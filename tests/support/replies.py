"""Streaming replies through the real API, as an engine of one's own does."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from resolvers.ids import decode_id
from tests.support.api import Api
from tests.support.ws import Socket

MESSAGE = """message { id sequence state content timeToFirstTokenMs generationMs
  usage { cost } }"""
OPEN = f"""mutation($input: OpenReplyInput!) {{ openReply(input: $input) {{ {MESSAGE} }} }}"""
APPEND = """mutation($input: AppendReplyInput!) { appendReply(input: $input) { length } }"""
FINISH = f"""mutation($input: FinishReplyInput!) {{ finishReply(input: $input) {{ {MESSAGE}
  conversation {{ messageCount usage {{ cost }} }} }} }}"""
ABANDON = f"""mutation($id: ID!) {{ abandonReply(messageId: $id) {{ {MESSAGE} }} }}"""
CHUNKS = """subscription($id: ID!) { replyChunks(conversationId: $id) {
  messageId sequence offset text state } }"""
READ = """query($id: ID!) { conversation(id: $id) {
  messages(last: 1) { edges { node { state content } } } } }"""


@dataclass
class Reply:
    """A reply being streamed with a secret key, in-process or through `server`."""

    api: Api
    key: str
    id: str
    length: int = 0
    server: str | None = None

    @property
    def pk(self) -> int:
        return decode_id(self.id, "Message")

    @classmethod
    async def open(
        cls, api: Api, key: str, conversation: str, server: str | None = None
    ) -> "Reply":
        payload = {"conversationId": conversation, "clientMessageId": "reply-1"}
        data = await _call(api, key, OPEN, {"input": payload}, server)
        return cls(api, key, data["openReply"]["message"]["id"], server=server)

    def piece(self, offset: int, text: str) -> dict[str, Any]:
        return {"messageId": self.id, "offset": offset, "text": text}

    async def append(self, text: str, server: str | None = None) -> int:
        variables = {"input": self.piece(self.length, text)}
        data = await _call(self.api, self.key, APPEND, variables, server or self.server)
        self.length = data["appendReply"]["length"]
        return self.length

    async def finish(self, usage: dict[str, Any] | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"messageId": self.id, "length": self.length}
        if usage is not None:
            payload["usage"] = usage
        data = await _call(self.api, self.key, FINISH, {"input": payload}, self.server)
        finished: dict[str, Any] = data["finishReply"]
        return finished

    async def abandon(self) -> dict[str, Any]:
        data = await _call(self.api, self.key, ABANDON, {"id": self.id}, self.server)
        abandoned: dict[str, Any] = data["abandonReply"]
        return abandoned


async def _call(
    api: Api, key: str, query: str, variables: dict[str, Any], server: str | None
) -> dict[str, Any]:
    if server is None:
        result = await api(query, variables, key=key)
        assert result.codes == [], result
        data: dict[str, Any] = result.data
        return data
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"http://{server}/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {key}"},
        )
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]
    return found


async def stream_text(
    reply: Reply, pieces: Sequence[str], servers: Sequence[str | None] = (None,)
) -> None:
    """Appends the pieces in order, each through the next of `servers` in turn."""
    for n, piece in enumerate(pieces):
        await reply.append(piece, servers[n % len(servers)])


async def chunks_until(
    socket: Socket, id: str, text: str, shown: str = ""
) -> list[tuple[str, int, str]]:
    """The (text, offset, state) of the chunks of subscription `id` up to the one that makes
    the reply's text `text` (an offset-0 chunk replaces what came before), from `shown`."""
    seen: list[tuple[str, int, str]] = []
    while True:
        chunk = (await socket.next(id))["replyChunks"]
        seen.append((chunk["text"], chunk["offset"], chunk["state"]))
        shown = chunk["text"] if chunk["offset"] == 0 else shown + chunk["text"]
        assert text.startswith(shown), (shown, text)
        if shown == text:
            return seen
