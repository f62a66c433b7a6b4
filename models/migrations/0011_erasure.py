"""Erasure: events no longer hold their conversation by a foreign key (an ERASED event outlives it,
so live views and resuming subscribers learn it is gone), and each erasure leaves an audit record
without the data it erased. SQLite rebuilds the event table to drop the constraint."""

from typing import Any

from tortoise import migrations

from models.migrationtools import StateOnly
from tortoise.migrations import operations as ops
from models.enums import EventKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


POSTGRES = [
    """DO $$ DECLARE found text; BEGIN
  SELECT conname INTO found FROM pg_constraint WHERE conrelid = 'conversation_event'::regclass
    AND contype = 'f' AND confrelid = 'conversation'::regclass;
  IF found IS NOT NULL THEN
    EXECUTE format('ALTER TABLE conversation_event DROP CONSTRAINT %I', found);
  END IF;
END $$""",
]
SQLITE = [
    'CREATE TABLE "conversation_event_new" ("id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"kind" VARCHAR(24) NOT NULL, "created_at" TIMESTAMP NOT NULL, '
    '"conversation_id" BIGINT NOT NULL, '
    '"message_id" BIGINT REFERENCES "message" ("id") ON DELETE CASCADE, '
    '"workspace_id" BIGINT NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE, '
    '"seq" BIGINT NOT NULL)',
    'INSERT INTO "conversation_event_new" (id, kind, created_at, conversation_id, message_id, '
    "workspace_id, seq) SELECT id, kind, created_at, conversation_id, message_id, workspace_id, "
    'seq FROM "conversation_event"',
    'DROP TABLE "conversation_event"',
    'ALTER TABLE "conversation_event_new" RENAME TO "conversation_event"',
    'CREATE INDEX "event_conversation_id" ON "conversation_event" ("conversation_id", "id")',
    'CREATE UNIQUE INDEX "uid_conversatio_workspa_de71c9" ON "conversation_event" '
    '("workspace_id", "seq")',
]


async def forward(apps: Any, schema_editor: Any) -> None:
    dialect = schema_editor.client.capabilities.dialect
    for statement in POSTGRES if dialect == "postgres" else SQLITE:
        await schema_editor.client.execute_query(statement)


async def backward(apps: Any, schema_editor: Any) -> None:
    return None


class Migration(migrations.Migration):
    dependencies = [("models", "0010_variable_provenance")]

    initial = False

    operations = [
        ops.RunPython(forward, backward),
        ops.CreateModel(
            name="Erasure",
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
                        related_name="erasures",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("by_key_id", fields.BigIntField(null=True)),
                ("reason", fields.CharField(max_length=32)),
                ("conversations", fields.IntField()),
                ("erased_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "erasure",
                "app": "models",
                "indexes": [Index(fields=["workspace_id", "id"], name="erasure_workspace")],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        StateOnly(
            model_name="ConversationEvent",
            name="conversation",
            field=fields.ForeignKeyField(
                "models.Conversation",
                source_field="conversation_id",
                db_constraint=False,
                to_field="id",
                related_name="events",
                on_delete=OnDelete.NO_ACTION,
            ),
        ),
        StateOnly(
            model_name="ConversationEvent",
            name="kind",
            field=fields.CharEnumField(
                description="STARTED: STARTED\nMESSAGE_ADDED: MESSAGE_ADDED\nVARIABLES_SET: VARIABLES_SET\nENDED: ENDED\nERASED: ERASED",
                enum_type=EventKind,
                max_length=24,
            ),
        ),
    ]
