"""An assistant: what its widget asks before a chat, how it looks and speaks, and what it may
extract during one."""

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import ConversationMode


class Assistant(Model):
    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation["Workspace"] = fields.ForeignKeyField(
        "models.Workspace", related_name="assistants", on_delete=fields.CASCADE, db_index=False
    )
    workspace_id: int
    name = fields.CharField(max_length=200)
    # Lists of plain dicts, validated by the resolvers before they are stored.
    pre_chat_form: list[dict[str, Any]] = fields.JSONField(default=list)
    extracted_variables: list[dict[str, Any]] = fields.JSONField(default=list)
    allowed_origins: list[str] = fields.JSONField(default=list)
    widget_mode = fields.CharEnumField(
        ConversationMode, max_length=16, default=ConversationMode.CHAT
    )
    """How its widget talks: text chat, or voice and chat (the widget offers both)."""
    # The built-in engine (server/engine): set a model and Parley answers its conversations.
    model = fields.CharField(max_length=128, null=True)
    """The model it answers with, as the provider names it; null: an engine of one's own
    answers through the API."""
    provider = fields.CharField(max_length=64, null=True)
    """The provider as the price table knows it (default "openai"), for each reply's cost."""
    instructions = fields.TextField(null=True)
    """The system prompt; `{{name}}` placeholders take the visitor's pre-chat answers."""
    first_message = fields.TextField(null=True)
    """Written as the assistant's first message when a conversation starts (placeholders too)."""
    functions: list[dict[str, Any]] = fields.JSONField(default=list)
    """What the model may call while it answers: name, description, JSON Schema of the
    arguments (`parameters`) and the URL Parley POSTs them to (server/engine/functions.py)."""
    widget_color = fields.CharField(max_length=7, null=True)
    """Its widget's colour, "#rrggbb"; null: the widget's own."""
    language = fields.CharField(max_length=35, null=True)
    """The language its widget speaks, a BCP-47 tag ("de", "fr-CA"); null: the visitor's
    browser's (English when the widget has no catalogue for it)."""
    offers_handover = fields.BooleanField(default=False)
    """The built-in engine's model may hand the conversation to a person (a `handover` function
    it can call); off by default, as some models served locally take no functions."""
    temperature = fields.FloatField(null=True)
    max_reply_tokens = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    archived_at = fields.DatetimeField(null=True)

    class Meta:
        table = "assistant"
        indexes = (Index(fields=("workspace_id", "created_at", "id"), name="assistant_ws_created"),)


from models.workspace import Workspace  # noqa: E402
