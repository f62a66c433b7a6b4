"""Variables of a conversation, kept per source so pre-chat and extracted values never collide."""

import json
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
    conversation_id: int
    name = fields.CharField(max_length=100)
    source = fields.CharEnumField(VariableSource, max_length=16)
    type = fields.CharEnumField(VariableType, max_length=16)
    # Canonical JSON text (sorted keys, no spaces): equality filters compare it as text, the same
    # way on both databases. (Tortoise's JSONField would parse a plain string value as JSON.)
    value_json = fields.CharField(max_length=2000)
    collected_at = fields.DatetimeField()

    class Meta:
        table = "variable"
        unique_together = (("conversation", "source", "name"),)
        indexes = (Index(fields=("name", "value_json"), name="variable_name_value"),)

    @property
    def value(self) -> Any:
        return json.loads(self.value_json)


from models.conversation import Conversation  # noqa: E402
