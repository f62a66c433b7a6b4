"""What a dashboard shows beside the list: `conversationCounts`, a filter's total with its facets
(type, status, assistant, handling, assignee), live as a subscription of the same name; and
`variableNames`, the variables its filter menu offers."""

from typing import Any

import strawberry

from models.enums import ConversationStatus, ConversationType
from resolvers.facets import Facets, conversation_facets
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from resolvers.variable import MAX_NAMES, variable_names
from schema.assistant import Assistant
from schema.common import answer
from schema.context import Info
from schema.enums import Handling
from schema.filters import ConversationFilter, FilterArgument, to_filter
from schema.reads import root


@strawberry.type(description="How many matching conversations are of one type.")
class TypeCount:
    type: ConversationType = strawberry.field(description="The type.")
    count: int = strawberry.field(description="Matching conversations of this type.")


@strawberry.type(description="How many matching conversations have one status.")
class StatusCount:
    status: ConversationStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Matching conversations with this status.")


@strawberry.type(description="How many matching conversations one assistant handled.")
class AssistantCount:
    assistant_id: strawberry.ID = strawberry.field(description="The assistant's ID.")
    count: int = strawberry.field(description="Matching conversations it handled.")
    assistant_pk: strawberry.Private[int]
    own_loaders: strawberry.Private[Loaders | None] = None
    """Set for subscription frames: a socket's context outlives any one moment's data."""

    @strawberry.field(description="The assistant.")
    def assistant(self, info: Info) -> Assistant:
        loaders = self.own_loaders or info.context.loaders
        return answer(loaders.assistant.get(self.assistant_pk), Assistant.found)


@strawberry.type(description="How many matching conversations are handled one way.")
class HandlingCount:
    handling: Handling = strawberry.field(description="Who handles them.")
    count: int = strawberry.field(description="Matching conversations handled so.")


@strawberry.type(description="How many matching conversations are assigned to one agent.")
class AssigneeCount:
    assignee_id: strawberry.ID | None = strawberry.field(
        description="The agent's ID (`agents` names them); null for those assigned to nobody."
    )
    count: int = strawberry.field(description="Matching conversations assigned so.")


@strawberry.type(
    description="A filter's count and its facets, each counted within the whole filter: every "
    "facet sums to `total`, which equals `conversationCount` and the list's `totalCount`."
)
class ConversationCounts:
    total: int = strawberry.field(description="Matching conversations.")
    by_type: list[TypeCount] = strawberry.field(
        description="Per type, every type listed (zeros included), in the enum's order."
    )
    by_status: list[StatusCount] = strawberry.field(
        description="Per status, every status listed (zeros included), in the enum's order."
    )
    by_assistant: list[AssistantCount] = strawberry.field(
        description="Per assistant with at least one matching conversation, most first (ties "
        "by the order assistants were created)."
    )
    by_handling: list[HandlingCount] = strawberry.field(
        description="Per handling (the assistant, waiting for a person, a person), every one "
        "listed (zeros included), in the enum's order."
    )
    by_assignee: list[AssigneeCount] = strawberry.field(
        description="Per agent with at least one matching conversation assigned, and those "
        "assigned to nobody (`assigneeId` null) if any, most first (ties: nobody first, then by "
        "the order agents were created)."
    )

    @classmethod
    def of(cls, facets: Facets, loaders: Loaders | None = None) -> "ConversationCounts":
        return cls(
            total=facets.total,
            by_type=[TypeCount(type=kind, count=n) for kind, n in facets.by_type],
            by_status=[StatusCount(status=status, count=n) for status, n in facets.by_status],
            by_assistant=[
                AssistantCount(
                    assistant_id=strawberry.ID(encode_id("Assistant", pk)),
                    count=n,
                    assistant_pk=pk,
                    own_loaders=loaders,
                )
                for pk, n in facets.by_assistant
            ],
            by_handling=[
                HandlingCount(handling=handling, count=n) for handling, n in facets.by_handling
            ],
            by_assignee=[
                AssigneeCount(
                    assignee_id=None if pk is None else strawberry.ID(encode_id("Agent", pk)),
                    count=n,
                )
                for pk, n in facets.by_assignee
            ],
        )


async def _variable_names(context: Any, filter: ConversationFilter | None = None) -> list[str]:
    return await variable_names(context.reader().workspace_id, to_filter(filter))


@strawberry.type
class CountQueries:
    @strawberry.field(
        description="The filter's count with its facets by type, status, assistant, handling and "
        "assignee, in one answer: a badge's filter (types, statuses, assistants, handlings, "
        "assignees) in constant time."
    )
    async def conversation_counts(
        self, info: Info, filter: FilterArgument = None
    ) -> ConversationCounts:
        workspace_id = info.context.reader().workspace_id
        return ConversationCounts.of(await conversation_facets(workspace_id, to_filter(filter)))

    @strawberry.field(
        description="The names of the variables the filter's conversations have, sorted (at most "
        f"{MAX_NAMES}): a filter menu's choices, an export's CSV columns.",
        metadata=root(_variable_names),
    )
    async def variable_names(self, info: Info, filter: FilterArgument = None) -> list[str]:
        return await _variable_names(info.context, filter)
