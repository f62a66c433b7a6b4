"""Handover to a person: a workspace's agents (and their own keys), who handles each conversation
(its assistant, nobody while it waits for a person, or an agent) and whom it is assigned to, the
messages agents write and the HANDOVER messages that record each move, and their events."""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from models.migrationtools import AddFieldWithDefault, StateOnly
from models.enums import ApiKeyKind, EventKind, Handling, Handover, MessageRole, WebhookEvent
from tortoise.fields.base import OnDelete
from tortoise import fields

INDEXES = [
    # The inbox: what waits for a person, the longest-waiting first; what an agent has.
    "CREATE INDEX conversation_waiting ON conversation (workspace_id, waiting_since) "
    "WHERE handling = 'WAITING'",
    "CREATE INDEX conversation_assignee ON conversation (workspace_id, assignee_id) "
    "WHERE assignee_id IS NOT NULL",
]


async def _forward(apps: Any, schema_editor: Any) -> None:
    for statement in INDEXES:
        await schema_editor.client.execute_script(statement)


async def _backward(apps: Any, schema_editor: Any) -> None:
    for name in ("conversation_assignee", "conversation_waiting"):
        await schema_editor.client.execute_script(f"DROP INDEX {name}")


class Migration(migrations.Migration):
    dependencies = [("models", "0021_functions_and_extraction")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Agent",
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
                        related_name="agents",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=100)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "archived_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "agent",
                "app": "models",
                "unique_together": (("workspace", "name"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        StateOnly(  # its description: nothing in the database changes
            model_name="ApiKey",
            name="kind",
            field=fields.CharEnumField(
                description="SECRET: SECRET\nPUBLISHABLE: PUBLISHABLE\nAGENT: AGENT",
                enum_type=ApiKeyKind,
                max_length=16,
            ),
        ),
        AddFieldWithDefault(
            model_name="Assistant",
            name="offers_handover",
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name="ApiKey",
            name="agent_id",
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name="Conversation",
            name="assignee_id",
            field=fields.BigIntField(null=True),
        ),
        AddFieldWithDefault(
            model_name="Conversation",
            name="handling",
            field=fields.CharEnumField(
                default=Handling.ASSISTANT,
                description="ASSISTANT: ASSISTANT\nWAITING: WAITING\nAGENT: AGENT",
                enum_type=Handling,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Conversation",
            name="taken_over_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Conversation",
            name="waiting_since",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        StateOnly(  # its description: nothing in the database changes
            model_name="ConversationEvent",
            name="kind",
            field=fields.CharEnumField(
                description="STARTED: STARTED\nMESSAGE_ADDED: MESSAGE_ADDED\nVARIABLES_SET: VARIABLES_SET\nENDED: ENDED\nLABELLED: LABELLED\nRATED: RATED\nERASED: ERASED\nREPLY_STARTED: REPLY_STARTED\nREPLY_FINISHED: REPLY_FINISHED\nHANDOVER_REQUESTED: HANDOVER_REQUESTED\nASSIGNED: ASSIGNED\nTAKEN_OVER: TAKEN_OVER\nHANDED_BACK: HANDED_BACK",
                enum_type=EventKind,
                max_length=24,
            ),
        ),
        StateOnly(  # its description: nothing in the database changes
            model_name="Message",
            name="role",
            field=fields.CharEnumField(
                description="USER: USER\nASSISTANT: ASSISTANT\nSYSTEM: SYSTEM\nTOOL: TOOL\nAGENT: AGENT\nHANDOVER: HANDOVER",
                enum_type=MessageRole,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Message",
            name="agent_id",
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name="Message",
            name="agent_name",
            field=fields.CharField(null=True, max_length=100),
        ),
        ops.AddField(
            model_name="Message",
            name="handover",
            field=fields.CharEnumField(
                null=True,
                description="REQUESTED: REQUESTED\nASSIGNED: ASSIGNED\nTAKEN_OVER: TAKEN_OVER\nHANDED_BACK: HANDED_BACK",
                enum_type=Handover,
                max_length=16,
            ),
        ),
        StateOnly(  # its description: nothing in the database changes
            model_name="WebhookDelivery",
            name="kind",
            field=fields.CharEnumField(
                description="CONVERSATION_STARTED: CONVERSATION_STARTED\nMESSAGE_ADDED: MESSAGE_ADDED\nVARIABLES_SET: VARIABLES_SET\nCONVERSATION_ENDED: CONVERSATION_ENDED\nCONVERSATION_RATED: CONVERSATION_RATED\nCONVERSATION_LABELLED: CONVERSATION_LABELLED\nCONVERSATION_ERASED: CONVERSATION_ERASED\nCONVERSATION_HANDOVER_REQUESTED: CONVERSATION_HANDOVER_REQUESTED\nCONVERSATION_ASSIGNED: CONVERSATION_ASSIGNED\nCONVERSATION_TAKEN_OVER: CONVERSATION_TAKEN_OVER\nCONVERSATION_HANDED_BACK: CONVERSATION_HANDED_BACK\nENDPOINT_DISABLED: ENDPOINT_DISABLED",
                enum_type=WebhookEvent,
                max_length=32,
            ),
        ),
        ops.RunPython(_forward, _backward),
    ]
