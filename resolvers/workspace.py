"""Creating workspaces, the tenants."""

from tortoise.transactions import in_transaction

from models import Workspace
from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.errors import BadUserInput


async def create_workspace(name: str) -> tuple[Workspace, str]:
    """A new workspace and the secret of its first read-write key."""
    name = name.strip()
    if not name or len(name) > 200:
        raise BadUserInput("A workspace name needs 1 to 200 characters.")
    async with in_transaction():
        workspace = await Workspace.create(name=name)
        _, secret = await create_api_key(
            workspace.id,
            ApiKeyKind.SECRET,
            frozenset({ApiKeyScope.READ, ApiKeyScope.WRITE}),
            name="created with the workspace",
        )
    return workspace, secret
