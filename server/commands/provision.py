"""`parley create-assistant`: an assistant made from the command line, in a workspace named by its
name or by one of its secret keys (the one `create-workspace` printed), so a new workspace can
take imports and embed the widget without a hand-written mutation."""

from collections.abc import Sequence

from models import Workspace
from resolvers.apikey import authenticate_key
from resolvers.assistant import AssistantSpec, create_assistant
from resolvers.callers.caller import CallerKind
from resolvers.errors import NotFound, ParleyError
from resolvers.ids import encode_id
from resolvers.limits.bounds import Bounds

SECRET_PREFIX = "sk_"


async def find_workspace(name_or_key: str) -> Workspace:
    """The workspace a secret key belongs to, or the one workspace with this name; NOT_FOUND
    (saying what to give instead) when there is none or several."""
    if name_or_key.startswith(SECRET_PREFIX):
        try:
            principal = await authenticate_key(name_or_key)
        except ParleyError:
            raise NotFound("No workspace has this secret key (revoked, or mistyped?).") from None
        if principal.kind is not CallerKind.SECRET:
            raise NotFound("Give a workspace's secret key (sk_…) or its name.")
        return await Workspace.get(id=principal.workspace_id)
    found = await Workspace.filter(name=name_or_key).order_by("id").limit(2)
    if not found:
        raise NotFound(
            f"No workspace is named {name_or_key!r}: `parley create-workspace NAME` makes one."
        )
    if len(found) > 1:
        raise NotFound(
            f"Several workspaces are named {name_or_key!r}: give a secret key of the one you mean."
        )
    return found[0]


async def create_assistant_in(
    name_or_key: str, name: str, origins: Sequence[str], bounds: Bounds
) -> tuple[str, str]:
    """Creates the assistant as `createAssistant` would; the workspace's name and its new ID."""
    workspace = await find_workspace(name_or_key)
    spec = AssistantSpec(name=name, allowed_origins=list(origins))
    assistant = await create_assistant(workspace.id, spec, bounds)
    return workspace.name, encode_id("Assistant", assistant.id)
