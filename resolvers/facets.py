"""A filter's count split by type, status, assistant, handling and assignee, in one statement.

Every facet counts within the whole filter, so each one sums to the total and a number always
agrees with the list it stands for (a dashboard filtered to TEST shows WEB_WIDGET 0). A badge's
filter (types, statuses, assistants, handlings, assignees) reads the counts the triggers keep
(resolvers/counts.py), in constant time; any other counts the matching rows, grouped once.
"""

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from models.enums import ConversationStatus, ConversationType, Handling
from resolvers.counts import grouped_count_sql
from resolvers.database.replica import fetch_routed
from resolvers.database.sql import Params, dialect
from resolvers.filters import ConversationFilter


@dataclass(frozen=True)
class Facets:
    total: int
    by_type: tuple[tuple[ConversationType, int], ...]
    """Every type, in the enum's order, zeros included (a tab bar shows them all)."""
    by_status: tuple[tuple[ConversationStatus, int], ...]
    """Every status, in the enum's order, zeros included."""
    by_assistant: tuple[tuple[int, int], ...]
    """(assistant id, count) for each assistant with a matching conversation, most first."""
    by_handling: tuple[tuple[Handling, int], ...]
    """Every handling, in the enum's order, zeros included."""
    by_assignee: tuple[tuple[int | None, int], ...]
    """(agent id, or None for nobody; count) for each with a matching conversation, most first
    (ties: nobody, then by id)."""


async def conversation_facets(
    workspace_id: int, where: ConversationFilter, *, using: BaseDBAsyncClient | None = None
) -> Facets:
    params = Params(str(using.capabilities.dialect) if using is not None else dialect())
    rows = await fetch_routed(grouped_count_sql(workspace_id, where, params), params, using=using)
    types = dict.fromkeys(ConversationType, 0)
    statuses = dict.fromkeys(ConversationStatus, 0)
    handlings = dict.fromkeys(Handling, 0)
    assistants: dict[int, int] = {}
    assignees: dict[int | None, int] = {}
    for row in rows:
        n = int(row["n"])
        types[ConversationType(row["type"])] += n
        statuses[ConversationStatus(row["status"])] += n
        handlings[Handling(row["handling"])] += n
        assistants[row["assistant_id"]] = assistants.get(row["assistant_id"], 0) + n
        assignee = None if row["assignee_id"] is None else int(row["assignee_id"])
        assignees[assignee] = assignees.get(assignee, 0) + n
    return Facets(
        total=sum(types.values()),
        by_type=tuple(types.items()),
        by_status=tuple(statuses.items()),
        by_assistant=tuple(sorted(assistants.items(), key=lambda item: (-item[1], item[0]))),
        by_handling=tuple(handlings.items()),
        by_assignee=tuple(sorted(assignees.items(), key=lambda item: (-item[1], item[0] or 0))),
    )
