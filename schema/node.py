"""`node(id:)`: any object by its global ID, as Relay refetches it."""

from collections.abc import Callable
from typing import Any

import strawberry

from resolvers.apikey import get_api_key
from resolvers.assistant import get_assistant
from resolvers.conversation import get_conversation
from resolvers.errors import NotFound
from resolvers.ids import decode_any_id
from resolvers.message import get_message
from schema.apikey import ApiKey
from schema.arguments import IdArgument
from schema.assistant import Assistant
from schema.common import Node
from schema.context import Info
from schema.conversation import Conversation
from schema.message import Message
from schema.policy.visibility import VISITOR
from schema.reads import Typed, root


async def _node(context: Any, id: strawberry.ID) -> Typed | None:
    caller = context.caller()
    type_name, pk = decode_any_id(id)
    if type_name != "Conversation":
        caller.require_reader()
    workspace_id = caller.workspace_id
    try:
        if type_name == "Conversation":
            caller.require_conversation(pk, write=False)
            return Typed(type_name, await get_conversation(workspace_id, pk))
        if type_name == "Message":
            return Typed(type_name, await get_message(workspace_id, pk))
        if type_name == "Assistant":
            return Typed(type_name, await get_assistant(workspace_id, pk))
        if type_name == "ApiKey":
            return Typed(type_name, await get_api_key(workspace_id, pk))
    except NotFound:
        return None
    return None


_TYPES: dict[str, Callable[[Any], Node]] = {
    "Conversation": Conversation.of,
    "Message": Message.of,
    "Assistant": Assistant.of,
    "ApiKey": ApiKey.of,
}


@strawberry.type
class NodeQueries:
    @strawberry.field(
        metadata={**VISITOR, **root(_node)},
        description="Any object by its global ID; null if it does not exist.",
    )
    async def node(self, info: Info, id: IdArgument) -> Node | None:
        found = await _node(info.context, id)
        return None if found is None else _TYPES[found.type_name](found.row)
