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
    set_by_key_id = fields.BigIntField(null=True)
    """The API key that set it (a widget's for pre-chat answers, the engine's for extracted
    values); kept after the key is deleted, so no foreign key."""
    message_sequence = fields.IntField(null=True)
    """The conversation's latest message when it was set (0: before any message)."""

    class Meta:
        table = "variable"
        unique_together = (("conversation", "source", "name"),)
        indexes = (Index(fields=("name", "value_json"), name="variable_name_value"),)

    @property
    def value(self) -> Any:
        return json.loads(self.value_json)


from models.conversation import Conversation  # noqa: E402


class VariableChange(Model):
    """A variable's earlier value, kept when it was set again."""

    id = fields.BigIntField(primary_key=True)
    variable: fields.ForeignKeyRelation[Variable] = fields.ForeignKeyField(
        "models.Variable", related_name="changes", on_delete=fields.CASCADE, db_index=False
    )
    variable_id: int
    value_json = fields.CharField(max_length=2000)
    collected_at = fields.DatetimeField()
    set_by_key_id = fields.BigIntField(null=True)
    message_sequence = fields.IntField(null=True)
    replaced_at = fields.DatetimeField()

    class Meta:
        table = "variable_change"
        indexes = (Index(fields=("variable_id", "id"), name="variable_change_variable"),)

    @property
    def value(self) -> Any:
        return json.loads(self.value_json)
