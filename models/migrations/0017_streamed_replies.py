"""Streamed replies: a message's state (STREAMING until finished or abandoned), its latest
checkpoint, and its time to first token and generation time; the event kinds of a reply."""

from tortoise import migrations

from models.migrationtools import AddFieldWithDefault, StateOnly
from tortoise.migrations import operations as ops
from models.enums import EventKind, MessageState
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0016_assistant_widget_mode")]

    initial = False

    operations = [
        StateOnly(  # the kind's description: nothing in the database changes
            model_name="ConversationEvent",
            name="kind",
            field=fields.CharEnumField(
                description="STARTED: STARTED\nMESSAGE_ADDED: MESSAGE_ADDED\nVARIABLES_SET: VARIABLES_SET\nENDED: ENDED\nLABELLED: LABELLED\nRATED: RATED\nERASED: ERASED\nREPLY_STARTED: REPLY_STARTED\nREPLY_FINISHED: REPLY_FINISHED",
                enum_type=EventKind,
                max_length=24,
            ),
        ),
        ops.AddField(
            model_name="Message",
            name="first_token_ms",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Message",
            name="generation_ms",
            field=fields.IntField(null=True),
        ),
        AddFieldWithDefault(
            model_name="Message",
            name="state",
            field=fields.CharEnumField(
                default=MessageState.COMPLETE,
                description="COMPLETE: COMPLETE\nSTREAMING: STREAMING\nINCOMPLETE: INCOMPLETE",
                enum_type=MessageState,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Message",
            name="streamed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
