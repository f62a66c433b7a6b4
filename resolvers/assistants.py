"""Reading assistants."""

from collections.abc import Sequence

from models import Assistant
from resolvers.errors import NotFound


async def list_assistants(workspace_id: int) -> list[Assistant]:
    """The workspace's assistants that are not archived, oldest first."""
    return await Assistant.filter(workspace_id=workspace_id, archived_at=None).order_by(
        "created_at", "id"
    )


async def assistants_by_id(workspace_id: int, ids: Sequence[int]) -> dict[int, Assistant]:
    rows = await Assistant.filter(workspace_id=workspace_id, id__in=ids)
    return {row.id: row for row in rows}


async def get_assistant(workspace_id: int, assistant_id: int) -> Assistant:
    found = await Assistant.get_or_none(id=assistant_id, workspace_id=workspace_id)
    if found is None:
        raise NotFound("Assistant not found.")
    return found
