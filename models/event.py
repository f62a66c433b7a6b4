"""The event log of conversations, written in the same transaction as each change
(resolvers/events/log.py) and numbered within its workspace (on PostgreSQL just after the
commit, by resolvers/events/sequencer.py).

Its per-workspace numbers are the cursors of the live views: a subscriber that reconnects catches
up from here.
"""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import EventKind


class Event(Model):
    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation["Workspace"] = fields.ForeignKeyField(
        "models.Workspace", related_name="events", on_delete=fields.CASCADE, db_index=False
    )
    workspace_id: int
    conversation: fields.ForeignKeyRelation["Conversation"] = fields.ForeignKeyField(
        "models.Conversation",
        related_name="events",
        on_delete=fields.NO_ACTION,
        db_index=False,
        db_constraint=False,
    )
    """No constraint in the database: an ERASED event outlives its conversation, so live views
    and resuming subscribers learn it is gone (resolvers/erasure.py deletes the rest)."""
    conversation_id: int
    seq = fields.BigIntField(
        null=True,
        description="1, 2, 3 … within the workspace: the live cursor; on PostgreSQL null from "
        "the write until the sequencer numbers it, right after the commit",
    )
    kind = fields.CharEnumField(EventKind, max_length=24)
    message: fields.ForeignKeyNullableRelation["Message"] = fields.ForeignKeyField(
        "models.Message",
        related_name="events",
        null=True,
        on_delete=fields.CASCADE,
        db_index=False,
    )
    message_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "conversation_event"
        unique_together = (("workspace", "seq"),)
        indexes = (Index(fields=("conversation_id", "id"), name="event_conversation_id"),)


from models.conversation import Conversation  # noqa: E402
from models.message import Message  # noqa: E402
from models.workspace import Workspace  # noqa: E402
