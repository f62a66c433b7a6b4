"""Handover to a person: the workspace's agents (`agents`, `createAgent`, `createAgentKey`,
`archiveAgent`) and the moves of a conversation between its assistant and people
(`requestPerson`, `takeOver`, `handBack`, `assignConversation`); resolvers/handover.py says what
each move does and who may make it."""

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import Agent as AgentRow
from resolvers import agent as agents
from resolvers import handover
from resolvers.ids import decode_id
from schema.apikey import ApiKey
from schema.arguments import IdArgument
from schema.common import Node
from schema.context import Info
from schema.conversation import Conversation
from schema.enums import ApiKeyScope
from schema.policy.visibility import VISITOR
from schema.reads import built, column, computed, field, nested, root, time


@strawberry.type(description="A person of the workspace who answers visitors after a handover.")
class Agent(Node):
    name: str = field(column("name"), "What visitors see: Ada joined.")
    created_at: datetime = field(time("created_at"), "When the agent was added.")

    @classmethod
    def of(cls, row: AgentRow) -> "Agent":
        return built(cls, row)


@strawberry.type(description="The key that asks: what it may do, and whose it is.")
class Viewer:
    scopes: list[ApiKeyScope] = field(
        computed(lambda row: row.scopes, lambda found: [scope.value for scope in found]),
        "What it may do: READ, WRITE, HANDLE (an agent's).",
    )
    agent: Agent | None = field(
        nested(lambda row: row.agent, Agent), "The agent of an agent's key; null for others."
    )


@strawberry.type(description="A new agent, and its key's secret: shown this once.")
class CreateAgentPayload:
    agent: Agent = strawberry.field(description="The agent.")
    secret: str = strawberry.field(
        description="Its key (ak_…): the agent signs in to the dashboard with it."
    )


@strawberry.type(description="An agent's new key, and its secret: shown this once.")
class CreateAgentKeyPayload:
    key: ApiKey = strawberry.field(description="The key.")
    secret: str = strawberry.field(description="Its secret (ak_…).")


async def _agents(context: Any) -> list[AgentRow]:
    return await agents.list_agents(context.reader().workspace_id)


async def _viewer(context: Any) -> agents.Viewer:
    return await agents.viewer(context.caller())


@strawberry.type
class HandoverQueries:
    @strawberry.field(
        description="The workspace's agents, by name (not archived).", metadata=root(_agents)
    )
    async def agents(self, info: Info) -> list[Agent]:
        return [Agent.of(row) for row in await _agents(info.context)]

    @strawberry.field(
        description="The key that asks (a secret key or an agent's): its scopes and its agent, "
        "so a dashboard offers what the key may do.",
        metadata=root(_viewer),
    )
    async def viewer(self, info: Info) -> Viewer:
        return built(Viewer, await _viewer(info.context))


ConversationId = Annotated[strawberry.ID, strawberry.argument(description="The conversation.")]


@strawberry.type
class HandoverMutations:
    @strawberry.mutation(description="Add an agent, with a key of its own (secret key, WRITE).")
    async def create_agent(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="1–100 characters, unique.")],
    ) -> CreateAgentPayload:
        row, secret = await agents.create_agent(info.context.caller(), name)
        return CreateAgentPayload(agent=Agent.of(row), secret=secret)

    @strawberry.mutation(description="Another key for an agent (secret key, WRITE).")
    async def create_agent_key(self, info: Info, agent_id: IdArgument) -> CreateAgentKeyPayload:
        key, secret = await agents.create_agent_key(
            info.context.caller(), decode_id(agent_id, "Agent")
        )
        return CreateAgentKeyPayload(key=ApiKey.of(key), secret=secret)

    @strawberry.mutation(
        description="Archive an agent: its keys are revoked at once; what it wrote stays."
    )
    async def archive_agent(self, info: Info, id: IdArgument) -> Agent:
        return Agent.of(await agents.archive_agent(info.context.caller(), decode_id(id, "Agent")))

    @strawberry.mutation(
        metadata=VISITOR,
        description="Ask for a person: the visitor (its session token, as often as it may send "
        "messages) or an engine (secret key, WRITE). WAITING, and the assistant stops.",
    )
    async def request_person(self, info: Info, conversation_id: ConversationId) -> Conversation:
        caller = info.context.caller()
        await info.context.limit_widget_send(caller)
        pk = decode_id(conversation_id, "Conversation")
        return Conversation.of(await handover.request_person(caller, pk))

    @strawberry.mutation(
        description="Take a conversation over, from any state: it is handled and assigned to "
        "the calling agent (an agent's key), and the assistant stops."
    )
    async def take_over(self, info: Info, conversation_id: ConversationId) -> Conversation:
        pk = decode_id(conversation_id, "Conversation")
        return Conversation.of(await handover.take_over(info.context.caller(), pk))

    @strawberry.mutation(
        description="Hand a conversation back to its assistant (an agent's key, or a secret "
        "key with WRITE)."
    )
    async def hand_back(self, info: Info, conversation_id: ConversationId) -> Conversation:
        pk = decode_id(conversation_id, "Conversation")
        return Conversation.of(await handover.hand_back(info.context.caller(), pk))

    @strawberry.mutation(
        description="Assign a conversation to an agent, or to nobody (an agent's key, or a "
        "secret key with WRITE)."
    )
    async def assign_conversation(
        self,
        info: Info,
        conversation_id: ConversationId,
        agent_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The agent; null: nobody.")
        ],
    ) -> Conversation:
        pk = decode_id(conversation_id, "Conversation")
        agent = decode_id(agent_id, "Agent") if agent_id is not None else None
        return Conversation.of(await handover.assign(info.context.caller(), pk, agent))
