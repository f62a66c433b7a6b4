"""Conversation variable type."""

from datetime import datetime

import strawberry

from models import Variable as VariableRow
from schema.enums import VariableSource, VariableType
from schema.scalars import JSON


@strawberry.type(description="A value collected in a conversation, with where it came from.")
class Variable:
    name: str = strawberry.field(description="Variable name.")
    value: JSON = strawberry.field(description="The value, typed per `type`.")
    type: VariableType = strawberry.field(description="Kind of value.")
    source: VariableSource = strawberry.field(description="Pre-chat form or extracted.")
    collected_at: datetime = strawberry.field(description="When the value was last set.")

    @classmethod
    def of(cls, row: VariableRow) -> "Variable":
        return cls(
            name=row.name,
            value=row.value,
            type=row.type,
            source=row.source,
            collected_at=row.collected_at,
        )
