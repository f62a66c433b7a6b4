"""A workspace's labels (name, colour), and which conversations carry them."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Label(Model):
    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation["Workspace"] = fields.ForeignKeyField(
        "models.Workspace", related_name="labels", on_delete=fields.CASCADE, db_index=False
    )
    workspace_id: int
    name = fields.CharField(max_length=100)
    colour = fields.CharField(max_length=7)
    """`#rrggbb`."""
    created_at = fields.DatetimeField()

    class Meta:
        table = "label"
        unique_together = (("workspace", "name"),)


class ConversationLabel(Model):
    id = fields.BigIntField(primary_key=True)
    conversation: fields.ForeignKeyRelation["Conversation"] = fields.ForeignKeyField(
        "models.Conversation", related_name="labels", on_delete=fields.CASCADE, db_index=False
    )
    conversation_id: int
    label: fields.ForeignKeyRelation[Label] = fields.ForeignKeyField(
        "models.Label", related_name="conversations", on_delete=fields.CASCADE, db_index=False
    )
    label_id: int

    class Meta:
        table = "conversation_label"
        unique_together = (("conversation", "label"),)
        indexes = (Index(fields=("label_id", "conversation_id"), name="conversation_label_label"),)


from models.conversation import Conversation  # noqa: E402
from models.workspace import Workspace  # noqa: E402
