"""Variables of many conversations in one statement."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from models import VariableChange
from models.enums import VariableSource
from resolvers.database.replica import fetch_routed
from resolvers.database.sql import Params, dialect
from resolvers.filters import ConversationFilter, conversation_where


async def variable_changes_of(variable_ids: Sequence[int]) -> dict[int, list[VariableChange]]:
    """Each variable's earlier values, oldest first (one statement for a whole page)."""
    found: dict[int, list[VariableChange]] = {pk: [] for pk in variable_ids}
    rows = await VariableChange.filter(variable_id__in=variable_ids).order_by("variable_id", "id")
    for row in rows:
        found[row.variable_id].append(row)
    return found


class Collectable(Protocol):
    """What picking a variable reads of a row: models and listed rows alike."""

    @property
    def name(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def collected_at(self) -> datetime: ...


V = TypeVar("V", bound=Collectable)


def pick_variable(variables: Sequence[V], name: str) -> V | None:
    """The value a reader means by `name`: the latest collected, extracted winning a tie."""
    candidates = [row for row in variables if row.name == name]
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda row: (row.collected_at, row.source == VariableSource.EXTRACTED),
    )


MAX_NAMES = 500
"""More distinct names than a filter menu or a CSV header can usefully hold."""


async def variable_names(workspace_id: int, where: ConversationFilter) -> list[str]:
    """The names of the variables the filter's conversations have, sorted (at most MAX_NAMES):
    a filter menu's choices, and an export's CSV columns."""
    params = Params(dialect())
    matching = conversation_where(workspace_id, where, params)
    sql = (
        "SELECT DISTINCT v.name AS name FROM variable v JOIN conversation c "
        f"ON c.id = v.conversation_id WHERE {matching} ORDER BY v.name "
        f"LIMIT {params.add(MAX_NAMES)}"
    )
    return [row["name"] for row in await fetch_routed(sql, params)]
