"""`widgetAssistant`: the one read a widget key makes before a chat starts."""

from typing import Annotated

import strawberry

from resolvers.ids import decode_id, encode_id
from resolvers.widget import widget_assistant
from schema.assistant import FormField
from schema.context import Info
from schema.enums import ConversationMode
from schema.policy.visibility import VISITOR
from schema.reads import built


@strawberry.type(description="What a widget shows of its assistant before and during a chat.")
class WidgetAssistant:
    id: strawberry.ID = strawberry.field(metadata=VISITOR, description="The assistant's opaque ID.")
    name: str = strawberry.field(metadata=VISITOR, description="Its public name.")
    mode: ConversationMode = strawberry.field(
        metadata=VISITOR,
        description="CHAT, or VOICE_AND_CHAT: what the widget offers (and records).",
    )
    pre_chat_form: list[FormField] = strawberry.field(
        metadata=VISITOR, description="What the widget asks before the chat starts, in order."
    )


@strawberry.type
class WidgetQueries:
    @strawberry.field(
        metadata=VISITOR,
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
        wanted = decode_id(id, "Assistant") if id is not None else None
        row = await widget_assistant(info.context.caller(), wanted)
        return WidgetAssistant(
            id=strawberry.ID(encode_id("Assistant", row.id)),
            name=row.name,
            mode=row.widget_mode,
            pre_chat_form=[built(FormField, item) for item in row.pre_chat_form],
        )
