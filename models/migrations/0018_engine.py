"""The built-in engine: an assistant's model, provider, instructions, temperature and reply cap;
its turns, at most one running per conversation (a partial unique index, as the claim relies on)
and the waiting ones found by an index of their own; a message's FAILED state."""

from typing import Any

from tortoise import migrations

from models.migrationtools import StateOnly
from tortoise.migrations import operations as ops
from models.enums import MessageState, TurnState
from tortoise.fields.base import OnDelete
from tortoise import fields

INDEXES = [
    "CREATE UNIQUE INDEX turn_one_running ON turn (conversation_id) WHERE state = 'RUNNING'",
    "CREATE INDEX turn_waiting ON turn (id) WHERE state = 'WAITING'",
]


async def _forward(apps: Any, schema_editor: Any) -> None:
    for statement in INDEXES:
        await schema_editor.client.execute_script(statement)


async def _backward(apps: Any, schema_editor: Any) -> None:
    for name in ("turn_waiting", "turn_one_running"):
        await schema_editor.client.execute_script(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [("models", "0017_streamed_replies")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Turn",
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
                        related_name="turns",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("answers", fields.IntField()),
                ("attempt", fields.IntField(default=1)),
                (
                    "state",
                    fields.CharEnumField(
                        default=TurnState.WAITING,
                        description="WAITING: WAITING\nRUNNING: RUNNING\nDONE: DONE\nFAILED: FAILED",
                        enum_type=TurnState,
                        max_length=16,
                    ),
                ),
                ("reply_id", fields.BigIntField(null=True)),
                ("claimed_by", fields.CharField(null=True, max_length=64)),
                (
                    "lease_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("error", fields.CharField(null=True, max_length=500)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "turn",
                "app": "models",
                "unique_together": (("conversation", "answers", "attempt"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Assistant",
            name="instructions",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="Assistant",
            name="max_reply_tokens",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Assistant",
            name="model",
            field=fields.CharField(null=True, max_length=128),
        ),
        ops.AddField(
            model_name="Assistant",
            name="provider",
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name="Assistant",
            name="temperature",
            field=fields.FloatField(null=True),
        ),
        StateOnly(  # the state's description: nothing in the database changes
            model_name="Message",
            name="state",
            field=fields.CharEnumField(
                default=MessageState.COMPLETE,
                description="COMPLETE: COMPLETE\nSTREAMING: STREAMING\nINCOMPLETE: INCOMPLETE\nFAILED: FAILED",
                enum_type=MessageState,
                max_length=16,
            ),
        ),
        ops.RunPython(_forward, _backward),
    ]
