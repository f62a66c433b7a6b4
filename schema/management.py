"""Inputs and payloads of the management mutations: assistants and API keys."""

import strawberry

from models.enums import ApiKeyKind, ApiKeyScope, VariableType
from resolvers.assistants import AssistantSpec
from schema.apikey import ApiKey
from schema.assistant import Assistant


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

    def to_spec(self) -> AssistantSpec:
        return AssistantSpec(
            name=self.name,
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


@strawberry.input(description="A new API key.")
class CreateApiKeyInput:
    kind: ApiKeyKind = strawberry.field(description="SECRET for servers, PUBLISHABLE for a widget.")
    scopes: list[ApiKeyScope] | None = strawberry.field(
        default=None, description="Secret keys only; default READ and WRITE."
    )
    assistant_id: strawberry.ID | None = strawberry.field(
        default=None, description="The assistant of a publishable key (required for those)."
    )
    name: str | None = strawberry.field(default=None, description="A label for people.")


@strawberry.type(description="A new key and its secret.")
class CreateApiKeyPayload:
    api_key: ApiKey = strawberry.field(description="The key as it will be listed.")
    secret: str = strawberry.field(
        description="The whole key. Shown this once: only a hash of it is stored."
    )
