"""Variables of a conversation, kept per source so pre-chat and extracted values never collide."""

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import VariableSource, VariableType


class Variable(Model):
    id = fields.BigIntField(primary_key=True)
    conversation: fields.ForeignKeyRelation["Conversation"] = fields.ForeignKeyField(
        "models.Conversation", related_name="variables", on_delete=fields.CASCADE, db_index=False
    )
    name = fields.CharField(max_length=100)
    source = fields.CharEnumField(VariableSource, max_length=16)
    type = fields.CharEnumField(VariableType, max_length=16)
    value: Any = fields.JSONField()
    # Canonical JSON of `value`: equality filters compare it as text, identically on both databases.
    value_key = fields.CharField(max_length=1024)
    collected_at = fields.DatetimeField()

    class Meta:
        table = "variable"
        unique_together = (("conversation", "source", "name"),)
        indexes = (Index(fields=("name", "value_key"), name="variable_name_value"),)


from models.conversation import Conversation  # noqa: E402
