"""Session tokens: what a widget gets for the one conversation it started, stored as a hash."""

from tortoise import fields
from tortoise.models import Model


class ConversationSession(Model):
    id = fields.BigIntField(primary_key=True)
    conversation: fields.ForeignKeyRelation["Conversation"] = fields.ForeignKeyField(
        "models.Conversation", related_name="sessions", on_delete=fields.CASCADE
    )
    conversation_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "conversation_session"


from models.conversation import Conversation  # noqa: E402
