"""Labels: a workspace's (name, colour), and the conversations that carry them."""

from tortoise import migrations

from models.migrationtools import StateOnly
from tortoise.migrations import operations as ops
from models.enums import EventKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0013_ratings")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Label",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "workspace",
                    fields.ForeignKeyField(
                        "models.Workspace",
                        source_field="workspace_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="labels",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("colour", fields.CharField(max_length=7)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "label",
                "app": "models",
                "unique_together": (("workspace", "name"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ConversationLabel",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "conversation",
                    fields.ForeignKeyField(
                        "models.Conversation",
                        source_field="conversation_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="labels",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "label",
                    fields.ForeignKeyField(
                        "models.Label",
                        source_field="label_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="conversations",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
            ],
            options={
                "table": "conversation_label",
                "app": "models",
                "unique_together": (("conversation", "label"),),
                "indexes": [
                    Index(fields=["label_id", "conversation_id"], name="conversation_label_label")
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        StateOnly(
            model_name="ConversationEvent",
            name="kind",
            field=fields.CharEnumField(
                description="STARTED: STARTED\nMESSAGE_ADDED: MESSAGE_ADDED\nVARIABLES_SET: VARIABLES_SET\nENDED: ENDED\nLABELLED: LABELLED\nRATED: RATED\nERASED: ERASED",
                enum_type=EventKind,
                max_length=24,
            ),
        ),
    ]
