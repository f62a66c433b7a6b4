"""Assistant types."""

from datetime import datetime
from typing import Any

import strawberry

from models import Assistant as AssistantRow
from resolvers.ids import encode_id
from schema.enums import VariableType
from schema.node import Node


@strawberry.type(description="A field of an assistant's pre-chat form.")
class FormField:
    name: str = strawberry.field(description="Variable name the answer is stored under.")
    label: str = strawberry.field(description="What the visitor is shown.")
    type: VariableType = strawberry.field(description="Kind of answer expected.")
    required: bool = strawberry.field(description="Whether the chat can start without it.")
    options: list[str] | None = strawberry.field(description="The choices of a SELECT field.")
    pattern: str | None = strawberry.field(
        description="A regular expression the answer must match."
    )

    @classmethod
    def of(cls, data: dict[str, Any]) -> "FormField":
        return cls(
            name=data["name"],
            label=data.get("label", data["name"]),
            type=VariableType(data["type"]),
            required=bool(data.get("required", False)),
            options=data.get("options"),
            pattern=data.get("pattern"),
        )


@strawberry.type(description="A variable the assistant may extract during a chat.")
class VariableDefinition:
    name: str = strawberry.field(description="Variable name.")
    type: VariableType = strawberry.field(description="Kind of value.")
    description: str | None = strawberry.field(description="What the assistant should look for.")

    @classmethod
    def of(cls, data: dict[str, Any]) -> "VariableDefinition":
        return cls(
            name=data["name"], type=VariableType(data["type"]), description=data.get("description")
        )


@strawberry.type(description="An AI assistant that talks to visitors through the widget.")
class Assistant(Node):
    name: str = strawberry.field(description="Display name.")
    pre_chat_form: list[FormField] = strawberry.field(
        description="What the widget asks before the chat starts."
    )
    extracted_variables: list[VariableDefinition] = strawberry.field(
        description="What the assistant may extract during the chat."
    )
    created_at: datetime = strawberry.field(description="When the assistant was created.")

    @classmethod
    def of(cls, row: AssistantRow) -> "Assistant":
        return cls(
            id=strawberry.ID(encode_id("Assistant", row.id)),
            name=row.name,
            pre_chat_form=[FormField.of(item) for item in row.pre_chat_form],
            extracted_variables=[VariableDefinition.of(item) for item in row.extracted_variables],
            created_at=row.created_at,
        )
