"""Ratings: a conversation's CSAT (1–5, with a comment) and a message's thumbs up or down."""

from tortoise import migrations

from models.migrationtools import StateOnly
from tortoise.migrations import operations as ops
from models.enums import EventKind, Thumb
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0012_retention")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Conversation",
            name="rated_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Conversation",
            name="rating",
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name="Conversation",
            name="rating_comment",
            field=fields.CharField(null=True, max_length=2000),
        ),
        StateOnly(
            model_name="ConversationEvent",
            name="kind",
            field=fields.CharEnumField(
                description="STARTED: STARTED\nMESSAGE_ADDED: MESSAGE_ADDED\nVARIABLES_SET: VARIABLES_SET\nENDED: ENDED\nRATED: RATED\nERASED: ERASED",
                enum_type=EventKind,
                max_length=24,
            ),
        ),
        ops.AddField(
            model_name="Message",
            name="thumb",
            field=fields.CharEnumField(
                null=True, description="UP: UP\nDOWN: DOWN", enum_type=Thumb, max_length=8
            ),
        ),
        ops.AddField(
            model_name="Message",
            name="thumb_reason",
            field=fields.CharField(null=True, max_length=2000),
        ),
        ops.AddField(
            model_name="Message",
            name="thumbed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Message",
            name="thumbed_by_key_id",
            field=fields.BigIntField(null=True),
        ),
    ]
