"""Numbers each workspace's events 1, 2, 3 …: the cursors of the live views."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [("models", "0003_sessions_and_events")]

    initial = False

    operations = [
        # Events written before numbering existed only fed live views that did not exist yet.
        ops.RunSQL("DELETE FROM conversation_event", reverse_sql=ops.RunSQL.noop),
        ops.RemoveIndex(
            model_name="ConversationEvent",
            name="event_ws_id",
            fields=None,
        ),
        ops.AddField(
            model_name="ConversationEvent",
            name="seq",
            field=fields.BigIntField(description="1, 2, 3 … within the workspace: the live cursor"),
        ),
        ops.AddConstraint(
            model_name="ConversationEvent",
            constraint=UniqueConstraint(fields=("workspace", "seq"), name=None),
        ),
        ops.AddField(
            model_name="Workspace",
            name="event_seq",
            field=fields.BigIntField(default=0),
        ),
    ]
