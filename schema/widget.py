"""`widgetAssistant`: the one read a widget key makes before a chat starts: its name, form,
mode, colour and language, and whether it answers by itself; nothing else of the assistant."""

from typing import Annotated, Any

import strawberry

from models import Assistant as AssistantRow
from resolvers.ids import decode_id
from resolvers.widget import widget_assistant
from schema.assistant import FormField
from schema.context import Info
from schema.enums import ConversationMode
from schema.reads import built, column, computed, enum, field, nested, own_id, root


@strawberry.type(description="What a widget shows of its assistant before and during a chat.")
class WidgetAssistant:
    """Read from the assistant's row."""

    id: strawberry.ID = field(own_id("Assistant"), "The assistant's opaque ID.", visitor=True)
    name: str = field(column("name"), "Its public name.", visitor=True)
    mode: ConversationMode = field(
        enum("widget_mode", ConversationMode),
        "CHAT, or VOICE_AND_CHAT: what the widget offers (and records).",
        visitor=True,
    )
    pre_chat_form: list[FormField] = field(
        nested(lambda row: row.pre_chat_form, FormField, many=True),
        "What the widget asks before the chat starts, in order.",
        visitor=True,
    )
    widget_color: str | None = field(
        column("widget_color"), 'Its colour, "#rrggbb"; null: the widget\'s own.', visitor=True
    )
    language: str | None = field(
        column("language"),
        "The language the widget speaks (BCP 47); null: the visitor's browser's.",
        visitor=True,
    )
    answers_automatically: bool = field(
        computed(lambda row: row.model is not None),
        "Whether Parley's built-in engine answers it (it has a model), so a reply begins within "
        "moments; false: an engine of its own answers through the API, maybe much later.",
        visitor=True,
    )


async def _widget_assistant(context: Any, id: strawberry.ID | None = None) -> AssistantRow:
    wanted = decode_id(id, "Assistant") if id is not None else None
    return await widget_assistant(context.caller(), wanted)


@strawberry.type
class WidgetQueries:
    @strawberry.field(
        metadata=root(_widget_assistant, visitor=True),
        description="The assistant's public face for its widget: a widget key's own assistant, a "
        "session token's conversation's, or with a secret key (READ) the one named by `id` (a "
        "Test Chat). Nothing else of the workspace.",
    )
    async def widget_assistant(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The assistant (required with a secret key)."),
        ] = None,
    ) -> WidgetAssistant:
        return built(WidgetAssistant, await _widget_assistant(info.context, id))
