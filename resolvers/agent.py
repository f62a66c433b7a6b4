"""A workspace's agents: the people who answer visitors when a conversation is handed to a
person, each known to visitors by name and signed in with keys of their own."""

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Agent, ApiKey
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key, revoke_key
from resolvers.callers.caller import Caller
from resolvers.errors import Conflict, NotFound
from resolvers.forms import Problem, raise_problems

AGENT_SCOPES = frozenset({ApiKeyScope.READ, ApiKeyScope.HANDLE})
"""An agent reads the workspace's conversations and handles them; it manages nothing."""
MAX_NAME = 100


def _name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise_problems([Problem("name", f"needs 1 to {MAX_NAME} characters")], "Invalid agent")
    return name


async def list_agents(workspace_id: int) -> list[Agent]:
    """The workspace's agents that are not archived, by name."""
    return await Agent.filter(workspace_id=workspace_id, archived_at=None).order_by("name", "id")


async def get_agent(workspace_id: int, agent_id: int) -> Agent:
    found = await Agent.get_or_none(id=agent_id, workspace_id=workspace_id)
    if found is None:
        raise NotFound("Agent not found.")
    return found


async def create_agent(caller: Caller, name: str) -> tuple[Agent, str]:
    """A new agent and its first key's secret (shown this once). Needs a secret key with WRITE."""
    caller.require_writer()
    name = _name(name)
    try:
        async with in_transaction():
            agent = await Agent.create(workspace_id=caller.workspace_id, name=name)
            _, secret = await create_api_key(
                caller.workspace_id, ApiKeyKind.AGENT, AGENT_SCOPES, name=name, agent_id=agent.id
            )
    except IntegrityError:
        raise Conflict(f"The workspace has an agent named {name!r} already.") from None
    return agent, secret


async def create_agent_key(caller: Caller, agent_id: int) -> tuple[ApiKey, str]:
    """Another key for an agent (a new device, or one to replace a key revoked)."""
    caller.require_writer()
    agent = await get_agent(caller.workspace_id, agent_id)
    if agent.archived_at is not None:
        raise Conflict("This agent is archived.")
    return await create_api_key(
        caller.workspace_id, ApiKeyKind.AGENT, AGENT_SCOPES, name=agent.name, agent_id=agent.id
    )


async def archive_agent(caller: Caller, agent_id: int) -> Agent:
    """Archives the agent and revokes its keys at once; what it wrote stays, with its name, and
    the conversations assigned to it keep their assignee until reassigned."""
    caller.require_writer()
    agent = await get_agent(caller.workspace_id, agent_id)
    if agent.archived_at is None:
        agent.archived_at = datetime.now(UTC)
        await agent.save(update_fields=["archived_at"])
    for key in await ApiKey.filter(agent_id=agent.id, revoked_at=None):
        await revoke_key(caller.workspace_id, key.id)
    return agent


@dataclass(frozen=True)
class Viewer:
    """Who the calling key is, as far as a dashboard needs to know what to offer: its scopes,
    and its agent for an agent's key."""

    scopes: list[ApiKeyScope]
    agent: Agent | None


async def viewer(caller: Caller) -> Viewer:
    """The calling key (a secret key or an agent's; visitors have no use for it)."""
    caller.require_reader()
    agent = None
    if caller.agent_id is not None:
        agent = await get_agent(caller.workspace_id, caller.agent_id)
    return Viewer(scopes=sorted(caller.scopes), agent=agent)
