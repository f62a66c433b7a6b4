"""Assistants: their type, the inputs that save them, and the root fields that read and change
them."""

from datetime import datetime
from typing import Annotated, Any

import strawberry

from models import Assistant as AssistantRow
from resolvers.assistant import (
    KEEP,
    AssistantSpec,
    EngineSpec,
    FunctionSpec,
    archive_assistant,
    create_assistant,
    list_assistants,
    update_assistant,
)
from resolvers.errors import NotFound
from resolvers.ids import decode_id
from schema.arguments import IdArgument
from schema.common import Node
from schema.context import Info
from schema.enums import ConversationMode, VariableType
from schema.reads import Read, built, column, computed, enum, field, nested, root, time
from schema.scalars import JSON


def item(key: str) -> Read:
    return computed(lambda data: data[key])


def _value(kind: VariableType) -> str:
    return kind.value


@strawberry.type(description="A field of an assistant's pre-chat form.")
class FormField:
    """Read from the assistant's form, a JSON list of objects."""

    name: str = field(item("name"), "Variable name the answer is stored under.", visitor=True)
    label: str = field(
        computed(lambda data: data.get("label", data["name"])),
        "What the visitor is shown.",
        visitor=True,
    )
    type: VariableType = field(
        computed(lambda data: VariableType(data["type"]), _value),
        "Kind of answer expected.",
        visitor=True,
    )
    required: bool = field(
        computed(lambda data: bool(data.get("required", False))),
        "Whether the chat can start without it.",
        visitor=True,
    )
    options: list[str] | None = field(
        computed(lambda data: data.get("options")), "The choices of a SELECT field.", visitor=True
    )
    pattern: str | None = field(
        computed(lambda data: data.get("pattern")),
        "A regular expression the answer must match.",
        visitor=True,
    )


@strawberry.type(description="A variable the assistant may extract during a chat.")
class VariableDefinition:
    """Read from the assistant's list of them, JSON objects."""

    name: str = field(item("name"), "Variable name.")
    type: VariableType = field(
        computed(lambda data: VariableType(data["type"]), _value), "Kind of value."
    )
    description: str | None = field(
        computed(lambda data: data.get("description")), "What the assistant should look for."
    )


@strawberry.type(
    description="A function the built-in engine's model may call: Parley POSTs its arguments "
    "to its URL and gives the model the answer."
)
class FunctionDefinition:
    """Read from the assistant's list of them, JSON objects."""

    name: str = field(item("name"), "Its name, as the model calls it.")
    description: str | None = field(
        computed(lambda data: data.get("description")), "What it does, for the model."
    )
    parameters: JSON = field(
        computed(lambda data: data["parameters"]), "JSON Schema of its arguments."
    )
    url: str = field(item("url"), "Where its arguments are POSTed.")


@strawberry.type(description="How the built-in engine answers an assistant's conversations.")
class AssistantEngine:
    """Read from the assistant's row."""

    model: str = field(column("model"), 'The model, as the provider names it: "gpt-4o-mini".')
    provider: str = field(
        computed(lambda row: row.provider or "openai"),
        'The provider as the price table knows it, for each reply\'s cost (default "openai").',
    )
    instructions: str | None = field(column("instructions"), "The system prompt.")
    temperature: float | None = field(column("temperature"), "Sampling temperature, 0–2.")
    max_reply_tokens: int | None = field(
        column("max_reply_tokens"), "The most tokens one reply may take."
    )
    first_message: str | None = field(
        column("first_message"),
        "Written as its first message when a conversation starts ({{name}} placeholders take "
        "the visitor's pre-chat answers).",
    )
    offers_handover: bool = field(
        computed(lambda row: bool(row.offers_handover)),  # SQLite's JSON gives 0 or 1
        "The model is given a `handover` function that asks for a person (docs/handover.md).",
    )


@strawberry.type(description="An AI assistant that talks to visitors through the widget.")
class Assistant(Node):
    name: str = field(column("name"), "Display name.")
    pre_chat_form: list[FormField] = field(
        nested(lambda row: row.pre_chat_form, FormField, many=True),
        "What the widget asks before the chat starts.",
    )
    extracted_variables: list[VariableDefinition] = field(
        nested(lambda row: row.extracted_variables, VariableDefinition, many=True),
        "What the assistant may extract during the chat.",
    )
    widget_mode: ConversationMode = field(
        enum("widget_mode", ConversationMode), "How its widget talks: CHAT, or VOICE_AND_CHAT."
    )
    allowed_origins: list[str] = field(
        computed(lambda row: list(row.allowed_origins)),
        "Pages that may use its widget key and session tokens, as origins like "
        "https://shop.example (as browsers send them); empty allows any page.",
    )
    widget_color: str | None = field(
        column("widget_color"), "Its widget's colour, \"#rrggbb\"; null: the widget's own."
    )
    language: str | None = field(
        column("language"),
        'The language its widget speaks, a BCP-47 tag like "de" or "fr-CA"; null: the '
        "visitor's browser's (English where the widget has no catalogue for it).",
    )
    created_at: datetime = field(time("created_at"), "When the assistant was created.")
    functions: list[FunctionDefinition] = field(
        nested(lambda row: row.functions, FunctionDefinition, many=True),
        "Functions the built-in engine's model may call while it answers.",
    )
    engine: AssistantEngine | None = field(
        nested(lambda row: row if row.model else None, AssistantEngine),
        "How Parley answers its conversations itself (OPENAI_BASE_URL); null: an engine of "
        "one's own answers through the API.",
    )

    @classmethod
    def found(cls, row: AssistantRow | None) -> "Assistant":
        """The assistant a loader found; NOT_FOUND when it is gone."""
        if row is None:
            raise NotFound("Assistant not found.")
        return cls.of(row)

    @classmethod
    def of(cls, row: AssistantRow) -> "Assistant":
        return built(cls, row)


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


@strawberry.input(description="A function the built-in engine's model may call.")
class FunctionDefinitionInput:
    name: str = strawberry.field(description="Letters, digits, _ and -, up to 64.")
    url: str = strawberry.field(
        description="Where Parley POSTs {name, arguments, conversationId} as JSON; the answer's "
        "body (up to 16 KB) is what the model is told."
    )
    description: str | None = strawberry.field(
        default=None, description="What it does, for the model (up to 1,000 characters)."
    )
    parameters: JSON | None = strawberry.field(
        default=None,
        description='JSON Schema of its arguments, {"type": "object", …} (up to 8,000 '
        "characters as JSON); omitted: none.",
    )

    def to_spec(self) -> FunctionSpec:
        return FunctionSpec(self.name, self.url, self.description, self.parameters)


@strawberry.input(description="How the built-in engine answers (a model), or null to stop it.")
class AssistantEngineInput:
    model: str | None = strawberry.field(
        description="The model as the provider names it; null: an engine of one's own answers."
    )
    provider: str | None = strawberry.field(
        default=None, description='For the price table (default "openai").'
    )
    instructions: str | None = strawberry.field(
        default=None,
        description="The system prompt (up to 20,000 characters); {{name}} placeholders take "
        "the visitor's pre-chat answers.",
    )
    first_message: str | None = strawberry.field(
        default=None,
        description="Its first message, written when a conversation starts (up to 4,000 "
        "characters, placeholders too).",
    )
    temperature: float | None = strawberry.field(default=None, description="0–2.")
    max_reply_tokens: int | None = strawberry.field(
        default=None, description="The most tokens one reply may take (1–100,000)."
    )

    offers_handover: bool | None = strawberry.field(
        default=None,
        description="Give the model a `handover` function that asks for a person (default "
        "false; an update without it keeps it).",
    )

    def to_spec(self) -> EngineSpec:
        return EngineSpec(
            model=self.model,
            provider=self.provider,
            instructions=self.instructions,
            temperature=self.temperature,
            max_reply_tokens=self.max_reply_tokens,
            first_message=self.first_message,
            offers_handover=self.offers_handover,
        )


@strawberry.input(description="An assistant's settings. On update, omitted lists stay as they are.")
class AssistantInput:
    name: str = strawberry.field(description="Display name, 1–200 characters.")
    pre_chat_form: list[FormFieldInput] | None = strawberry.field(
        default=None, description="What the widget asks before the chat starts."
    )
    extracted_variables: list[VariableDefinitionInput] | None = strawberry.field(
        default=None,
        description="What the assistant may extract during the chat (a new assistant given none "
        "extracts `status` and `summary`).",
    )
    functions: list[FunctionDefinitionInput] | None = strawberry.field(
        default=None, description="Functions the built-in engine's model may call."
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
    engine: AssistantEngineInput | None = strawberry.field(
        default=None,
        description="The built-in engine's model and instructions (an update without it keeps "
        "them; with a null model the engine stops answering).",
    )
    widget_color: str | None = strawberry.field(
        default=strawberry.UNSET,
        description='Its widget\'s colour: "#" and six hex digits, like "#0b6e4f"; null: the '
        "widget's own (an update without it keeps it).",
    )
    language: str | None = strawberry.field(
        default=strawberry.UNSET,
        description='The language its widget speaks: a BCP-47 tag like "de" or "fr-CA", up to '
        "35 characters; null: the visitor's browser's (an update without it keeps it).",
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
            engine=self.engine.to_spec() if self.engine is not None else None,
            functions=(
                [item.to_spec() for item in self.functions] if self.functions is not None else None
            ),
            widget_color=KEEP if self.widget_color is strawberry.UNSET else self.widget_color,
            language=KEEP if self.language is strawberry.UNSET else self.language,
        )


@strawberry.type(description="The assistant as saved.")
class AssistantPayload:
    assistant: Assistant = strawberry.field(description="The assistant.")


async def _assistants(context: Any) -> list[AssistantRow]:
    return await list_assistants(context.reader().workspace_id)


@strawberry.type
class AssistantQueries:
    @strawberry.field(
        description="The workspace's assistants that are not archived.", metadata=root(_assistants)
    )
    async def assistants(self, info: Info) -> list[Assistant]:
        return [Assistant.of(row) for row in await _assistants(info.context)]


@strawberry.type
class AssistantMutations:
    @strawberry.mutation(description="Create an assistant. Needs a secret key with WRITE.")
    async def create_assistant(
        self,
        info: Info,
        input: Annotated[AssistantInput, strawberry.argument(description="Its settings.")],
    ) -> AssistantPayload:
        caller = info.context.caller().require_writer()
        row = await create_assistant(
            caller.workspace_id, input.to_spec(), info.context.bounds, info.context.webhooks
        )
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
            caller.workspace_id,
            decode_id(id, "Assistant"),
            input.to_spec(),
            info.context.bounds,
            info.context.webhooks,
        )
        return AssistantPayload(assistant=Assistant.of(row))

    @strawberry.mutation(
        description="Archive an assistant: it starts no more conversations and keeps its history."
    )
    async def archive_assistant(self, info: Info, id: IdArgument) -> AssistantPayload:
        caller = info.context.caller().require_writer()
        row = await archive_assistant(caller.workspace_id, decode_id(id, "Assistant"))
        return AssistantPayload(assistant=Assistant.of(row))
