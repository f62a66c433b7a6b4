"""A world for ConversationFilter tests: named conversations in our workspace and a stranger's.

`World.find` reads the list and `conversationCount` with the same filter and checks they agree, so
every filter test also checks the badge; the stranger's conversations would match every filter and
must never show up.
"""

from dataclasses import dataclass, field
from typing import Any

from models import Assistant
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api

FIND = """
query Find($filter: ConversationFilter) {
  conversationCount(filter: $filter)
  conversations(filter: $filter, first: 100) { totalCount edges { node { id } } }
}
"""


@dataclass
class World:
    """Our workspace and a stranger's, with every conversation known by a name."""

    workspace_id: int
    key: str
    bot: Assistant
    stranger_workspace_id: int
    stranger_bot: Assistant
    names: dict[str, str] = field(default_factory=dict)

    async def add(self, name: str, *, bot: Assistant | None = None, **fields: Any) -> None:
        """A conversation in our workspace (by `bot`, default our first assistant)."""
        row = await factories.conversation(self.workspace_id, (bot or self.bot).id, **fields)
        self.names[encode_id("Conversation", row.id)] = name

    async def add_stranger(self, name: str, **fields: Any) -> None:
        """A conversation in the other workspace."""
        row = await factories.conversation(
            self.stranger_workspace_id, self.stranger_bot.id, **fields
        )
        self.names[encode_id("Conversation", row.id)] = name

    async def find(self, api: Api, where: dict[str, Any] | None) -> set[str]:
        """Names of the listed conversations, after checking that the count agrees with the list."""
        data = (await api(FIND, {"filter": where}, key=self.key)).data
        connection = data["conversations"]
        ids = [edge["node"]["id"] for edge in connection["edges"]]
        assert len(ids) == len(set(ids)), "a conversation is listed twice"
        assert data["conversationCount"] == connection["totalCount"] == len(ids)
        return {self.names.get(pk, f"unknown {pk}") for pk in ids}

    async def refuse(self, api: Api, where: dict[str, Any]) -> None:
        """Checks that the list and the count both refuse the filter as BAD_USER_INPUT."""
        result = await api(FIND, {"filter": where}, key=self.key)
        assert result.codes, "the filter was accepted"
        assert set(result.codes) == {"BAD_USER_INPUT"}, result.errors
        assert result.body.get("data") is None


async def world() -> World:
    workspace_id, key = await factories.workspace("Acme")
    stranger_id, _ = await factories.workspace("Stranger Co")
    return World(
        workspace_id=workspace_id,
        key=key,
        bot=await factories.assistant(workspace_id),
        stranger_workspace_id=stranger_id,
        stranger_bot=await factories.assistant(stranger_id, "Their bot"),
    )


def assistant_id(bot: Assistant) -> str:
    return encode_id("Assistant", bot.id)


def minute(value: float) -> str:
    return factories.at(value).isoformat()
