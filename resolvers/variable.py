"""Variables of many conversations in one statement."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from models import Variable
from models.enums import VariableSource


async def variables_of(conversation_ids: Sequence[int]) -> dict[int, list[Variable]]:
    """Each conversation's variables ordered by name, pre-chat values before extracted ones."""
    found: dict[int, list[Variable]] = {pk: [] for pk in conversation_ids}
    rows = await Variable.filter(conversation_id__in=conversation_ids).order_by(
        "conversation_id", "name", "source"
    )
    for row in rows:
        found[row.conversation_id].append(row)
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
