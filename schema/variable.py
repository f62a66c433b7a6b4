"""Conversation variables, with who set them, at which message, and their earlier values."""

from datetime import datetime

import strawberry

from models import VariableChange as VariableChangeRow
from resolvers.ids import encode_id
from resolvers.loaders import Loaders
from resolvers.records import VariableRecord
from schema.common import answer
from schema.context import Info
from schema.enums import VariableSource, VariableType
from schema.reads import built, column, enum, field, key_id, time
from schema.scalars import JSON


def _key(pk: int | None) -> strawberry.ID | None:
    return strawberry.ID(encode_id("ApiKey", pk)) if pk is not None else None


@strawberry.type(description="A value a variable had before it was set again.")
class VariableValue:
    value: JSON = strawberry.field(description="The value it had.")
    collected_at: datetime = strawberry.field(description="When it was set.")
    set_by_key_id: strawberry.ID | None = strawberry.field(description="The key that set it.")
    message_sequence: int | None = strawberry.field(
        description="The conversation's latest message then (0: before any)."
    )
    replaced_at: datetime = strawberry.field(description="When it was replaced.")

    @classmethod
    def of(cls, row: VariableChangeRow) -> "VariableValue":
        return cls(
            value=JSON(row.value),
            collected_at=row.collected_at,
            set_by_key_id=_key(row.set_by_key_id),
            message_sequence=row.message_sequence,
            replaced_at=row.replaced_at,
        )


def _values(rows: list[VariableChangeRow]) -> list[VariableValue]:
    return [VariableValue.of(row) for row in rows]


@strawberry.type(description="A value collected in a conversation, with where it came from.")
class Variable:
    name: str = field(column("name"), "Variable name.", visitor=True)
    value: JSON = field(column("value"), "The value, typed per `type`.", visitor=True)
    type: VariableType = field(enum("type", VariableType), "Kind of value.", visitor=True)
    source: VariableSource = field(
        enum("source", VariableSource), "Pre-chat form or extracted.", visitor=True
    )
    collected_at: datetime = field(
        time("collected_at"), "When the value was last set.", visitor=True
    )
    set_by_key_id: strawberry.ID | None = field(
        key_id("set_by_key_id"),
        "The API key that set it: the widget's for a pre-chat answer, the engine's "
        "for an extracted value (null for values imported or set before keys were kept).",
    )
    message_sequence: int | None = field(
        column("message_sequence"),
        "The conversation's latest message when it was set (0: before any message).",
    )
    pk: strawberry.Private[int]
    own_loaders: strawberry.Private[Loaders | None] = None

    @strawberry.field(description="Its earlier values, oldest first, if it was set again.")
    def history(self, info: Info) -> list[VariableValue]:
        loaders = self.own_loaders or info.context.loaders
        return answer(loaders.variable_changes.get(self.pk), _values)

    @classmethod
    def of(cls, row: VariableRecord, loaders: Loaders | None = None) -> "Variable":
        return built(cls, row, pk=row.id, own_loaders=loaders)
