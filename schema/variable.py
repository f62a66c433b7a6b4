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
from schema.policy.visibility import VISITOR
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
    name: str = strawberry.field(metadata=VISITOR, description="Variable name.")
    value: JSON = strawberry.field(metadata=VISITOR, description="The value, typed per `type`.")
    type: VariableType = strawberry.field(metadata=VISITOR, description="Kind of value.")
    source: VariableSource = strawberry.field(
        metadata=VISITOR, description="Pre-chat form or extracted."
    )
    collected_at: datetime = strawberry.field(
        metadata=VISITOR, description="When the value was last set."
    )
    set_by_key_id: strawberry.ID | None = strawberry.field(
        description="The API key that set it: the widget's for a pre-chat answer, the engine's "
        "for an extracted value (null for values imported or set before keys were kept)."
    )
    message_sequence: int | None = strawberry.field(
        description="The conversation's latest message when it was set (0: before any message)."
    )
    pk: strawberry.Private[int]
    own_loaders: strawberry.Private[Loaders | None] = None

    @strawberry.field(description="Its earlier values, oldest first, if it was set again.")
    def history(self, info: Info) -> list[VariableValue]:
        loaders = self.own_loaders or info.context.loaders
        return answer(loaders.variable_changes.get(self.pk), _values)

    @classmethod
    def of(cls, row: VariableRecord, loaders: Loaders | None = None) -> "Variable":
        return cls(
            name=row.name,
            value=row.value,
            type=VariableType(row.type),
            source=VariableSource(row.source),
            collected_at=row.collected_at,
            set_by_key_id=_key(row.set_by_key_id),
            message_sequence=row.message_sequence,
            pk=row.id,
            own_loaders=loaders,
        )
