"""Root query fields: thin, each checks the caller and calls one resolver function."""

from typing import Annotated

import strawberry

from resolvers import assistants, conversations, keys
from resolvers.errors import NotFound
from resolvers.ids import decode_any_id, decode_id
from resolvers.messages import get_message
from resolvers.pagination import PageArgs
from schema.apikey import ApiKey
from schema.assistant import Assistant
from schema.conversation import (
    After,
    Before,
    Conversation,
    ConversationConnection,
    ConversationFilter,
    ConversationOrderInput,
    First,
    Info,
    Last,
    to_filter,
)
from schema.message import Message
from schema.node import Node
from schema.prefetch import conversation_selections, prefetch

IdArgument = Annotated[strawberry.ID, strawberry.argument(description="An opaque global ID.")]
FilterArgument = Annotated[
    ConversationFilter | None, strawberry.argument(description="Only matching conversations.")
]


@strawberry.type(description="Reading conversation records. Needs a secret key with READ scope.")
class Query:
    @strawberry.field(description="Any object by its global ID; null if it does not exist.")
    async def node(self, info: Info, id: IdArgument) -> Node | None:
        caller = info.context.caller()
        type_name, pk = decode_any_id(id)
        if type_name != "Conversation":
            caller.require_reader()
        workspace_id = caller.workspace_id
        try:
            if type_name == "Conversation":
                caller.require_conversation(pk, write=False)
                return Conversation.of(await conversations.get_conversation(workspace_id, pk))
            if type_name == "Message":
                return Message.of(await get_message(workspace_id, pk))
            if type_name == "Assistant":
                return Assistant.of(await assistants.get_assistant(workspace_id, pk))
            if type_name == "ApiKey":
                return ApiKey.of(await keys.get_api_key(workspace_id, pk))
        except NotFound:
            return None
        return None

    @strawberry.field(
        description="One conversation; NOT_FOUND if it is not in your workspace. A session token "
        "reads its own conversation only."
    )
    async def conversation(self, info: Info, id: IdArgument) -> Conversation | None:
        caller = info.context.caller()
        pk = decode_id(id, "Conversation")
        caller.require_conversation(pk, write=False)
        return Conversation.of(await conversations.get_conversation(caller.workspace_id, pk))

    @strawberry.field(
        description="Conversations, newest first unless `orderBy` says otherwise; 20 per page "
        "unless asked (1–100)."
    )
    async def conversations(
        self,
        info: Info,
        filter: FilterArgument = None,
        order_by: Annotated[
            ConversationOrderInput | None,
            strawberry.argument(description="Sort order; default STARTED_AT DESC."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> ConversationConnection:
        workspace_id = info.context.reader().workspace_id
        where = to_filter(filter)
        order = order_by.to_order() if order_by is not None else conversations.ConversationOrder()
        page = await conversations.conversation_page(
            workspace_id, where, order, PageArgs(first=first, after=after, last=last, before=before)
        )
        selected = conversation_selections(info.selected_fields)
        related = await prefetch(workspace_id, page.rows, selected)
        return ConversationConnection.of(page, workspace_id, where, related)

    @strawberry.field(description="How many conversations match: the navigation badge.")
    async def conversation_count(self, info: Info, filter: FilterArgument = None) -> int:
        workspace_id = info.context.reader().workspace_id
        return await conversations.count_conversations(workspace_id, to_filter(filter))

    @strawberry.field(description="The workspace's assistants that are not archived.")
    async def assistants(self, info: Info) -> list[Assistant]:
        workspace_id = info.context.reader().workspace_id
        return [Assistant.of(row) for row in await assistants.list_assistants(workspace_id)]

    @strawberry.field(description="The workspace's API keys: prefixes, never secrets.")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        workspace_id = info.context.reader().workspace_id
        return [ApiKey.of(row) for row in await keys.list_api_keys(workspace_id)]
