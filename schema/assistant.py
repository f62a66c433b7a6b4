"""Assistants: their type, the inputs that save them, and the root fields that read and change
them."""

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import Assistant as AssistantRow
from resolvers.assistant import (
    AssistantSpec,
    archive_assistant,
    create_assistant,
    list_assistants,
    update_assistant,
)
from resolvers.errors import NotFound
from resolvers.ids import decode_id, encode_id
from schema.arguments import IdArgument
from schema.common import Node
from schema.context import Info
from schema.enums import ConversationMode, VariableType
from schema.policy.visibility import VISITOR


@strawberry.type(description="A field of an assistant's pre-chat form.")
class FormField:
    name: str = strawberry.field(
        metadata=VISITOR, description="Variable name the answer is stored under."
    )
    label: str = strawberry.field(metadata=VISITOR, description="What the visitor is shown.")
    type: VariableType = strawberry.field(metadata=VISITOR, description="Kind of answer expected.")
    required: bool = strawberry.field(
        metadata=VISITOR, description="Whether the chat can start without it."
    )
    options: list[str] | None = strawberry.field(
        metadata=VISITOR, description="The choices of a SELECT field."
    )
    pattern: str | None = strawberry.field(
        metadata=VISITOR, description="A regular expression the answer must match."
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
    widget_mode: ConversationMode = strawberry.field(
        description="How its widget talks: CHAT, or VOICE_AND_CHAT."
    )
    allowed_origins: list[str] = strawberry.field(
        description="Pages that may use its widget key and session tokens, as origins like "
        "https://shop.example (as browsers send them); empty allows any page."
    )
    created_at: datetime = strawberry.field(description="When the assistant was created.")

    @classmethod
    def found(cls, row: AssistantRow | None) -> "Assistant":
        """The assistant a loader found; NOT_FOUND when it is gone."""
        if row is None:
            raise NotFound("Assistant not found.")
        return cls.of(row)

    @classmethod
    def of(cls, row: AssistantRow) -> "Assistant":
        return cls(
            id=strawberry.ID(encode_id("Assistant", row.id)),
            name=row.name,
            pre_chat_form=[FormField.of(item) for item in row.pre_chat_form],
            extracted_variables=[VariableDefinition.of(item) for item in row.extracted_variables],
            widget_mode=row.widget_mode,
            allowed_origins=list(row.allowed_origins),
            created_at=row.created_at,
        )


@strawberry.input(description="A field of the pre-chat form.")
class FormFieldInput:
    name: str = strawberry.field(description="Variable name: letters, digits and _, up to 64.")
    label: str = strawberry.field(description="What the visitor is shown.")
    type: VariableType = strawberry.field(description="Kind of answer expected.")
    required: bool | None = strawberry.field(default=False, description="Default false.")
    options: list[str] | None = strawberry.field(
        default=None, description="The choices, for SELECT fields only."
    )
    pattern: str | None = strawberry.field(
        default=None,
        description="An RE2 regular expression the whole answer must match (text types only).",
    )

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "name": self.name,
            "label": self.label,
            "type": self.type.value,
            "required": bool(self.required),
        }
        if self.options is not None:
            data["options"] = list(self.options)
        if self.pattern is not None:
            data["pattern"] = self.pattern
        return data


@strawberry.input(description="A variable the assistant may extract.")
class VariableDefinitionInput:
    name: str = strawberry.field(description="Variable name: letters, digits and _, up to 64.")
    type: VariableType = strawberry.field(description="Kind of value.")
    description: str | None = strawberry.field(
        default=None, description="What the assistant should look for (up to 500 characters)."
    )

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"name": self.name, "type": self.type.value}
        if self.description is not None:
            data["description"] = self.description
        return data


@strawberry.input(description="An assistant's settings. On update, omitted lists stay as they are.")
class AssistantInput:
    name: str = strawberry.field(description="Display name, 1–200 characters.")
    pre_chat_form: list[FormFieldInput] | None = strawberry.field(
        default=None, description="What the widget asks before the chat starts."
    )
    extracted_variables: list[VariableDefinitionInput] | None = strawberry.field(
        default=None, description="What the assistant may extract during the chat."
    )
    allowed_origins: list[str] | None = strawberry.field(
        default=None,
        description="Pages allowed to use its widget key, like https://shop.example; "
        "empty allows any.",
    )

    widget_mode: ConversationMode | None = strawberry.field(
        default=None,
        description="How its widget talks: CHAT, or VOICE_AND_CHAT (default CHAT; an update "
        "without it keeps it).",
    )

    def to_spec(self) -> AssistantSpec:
        return AssistantSpec(
            name=self.name,
            widget_mode=self.widget_mode,
            pre_chat_form=(
                [item.to_dict() for item in self.pre_chat_form]
                if self.pre_chat_form is not None
                else None
            ),
            extracted_variables=(
                [item.to_dict() for item in self.extracted_variables]
                if self.extracted_variables is not None
                else None
            ),
            allowed_origins=list(self.allowed_origins)
            if self.allowed_origins is not None
            else None,
        )


@strawberry.type(description="The assistant as saved.")
class AssistantPayload:
    assistant: Assistant = strawberry.field(description="The assistant.")


@strawberry.type
class AssistantQueries:
    @strawberry.field(description="The workspace's assistants that are not archived.")
    async def assistants(self, info: Info) -> list[Assistant]:
        workspace_id = info.context.reader().workspace_id
        return [Assistant.of(row) for row in await list_assistants(workspace_id)]


@strawberry.type
class AssistantMutations:
    @strawberry.mutation(description="Create an assistant. Needs a secret key with WRITE.")
    async def create_assistant(
        self,
        info: Info,
        input: Annotated[AssistantInput, strawberry.argument(description="Its settings.")],
    ) -> AssistantPayload:
        caller = info.context.caller().require_writer()
        row = await create_assistant(caller.workspace_id, input.to_spec(), info.context.bounds)
        return AssistantPayload(assistant=Assistant.of(row))

    @strawberry.mutation(description="Change an assistant. Needs a secret key with WRITE.")
    async def update_assistant(
        self,
        info: Info,
        id: IdArgument,
        input: Annotated[AssistantInput, strawberry.argument(description="Its new settings.")],
    ) -> AssistantPayload:
        caller = info.context.caller().require_writer()
        row = await update_assistant(
            caller.workspace_id, decode_id(id, "Assistant"), input.to_spec(), info.context.bounds
        )
        return AssistantPayload(assistant=Assistant.of(row))

    @strawberry.mutation(
        description="Archive an assistant: it starts no more conversations and keeps its history."
    )
    async def archive_assistant(self, info: Info, id: IdArgument) -> AssistantPayload:
        caller = info.context.caller().require_writer()
        row = await archive_assistant(caller.workspace_id, decode_id(id, "Assistant"))
        return AssistantPayload(assistant=Assistant.of(row))
