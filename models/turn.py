"""The built-in engine's turns: each visitor message of a conversation whose assistant has a
model is answered once, by one process at a time.

A turn is written with the message it answers (in the same transaction), claimed by one engine
(`RUNNING`, with a lease it renews while the model writes), and ends `DONE` with its reply or
`FAILED`. At most one turn of a conversation runs at once (a partial unique index), and a turn
whose process died is ended `FAILED` when its lease runs out, never answered twice.
"""

from tortoise import fields
from tortoise.models import Model

from models.enums import TurnKind, TurnState


class Turn(Model):
    id = fields.BigIntField(primary_key=True)
    conversation: fields.ForeignKeyRelation["Conversation"] = fields.ForeignKeyField(
        "models.Conversation", related_name="turns", on_delete=fields.CASCADE, db_index=False
    )
    conversation_id: int
    kind = fields.CharEnumField(TurnKind, max_length=16, default=TurnKind.REPLY)
    answers = fields.IntField()
    """The sequence of the message it answers (an EXTRACT turn: the conversation's last)."""
    attempt = fields.IntField(default=1)
    """1, then 2, 3 … each time the visitor asks again after a failed one."""
    state = fields.CharEnumField(TurnState, max_length=16, default=TurnState.WAITING)
    reply_id = fields.BigIntField(null=True)
    """Its reply's message, once opened."""
    claimed_by = fields.CharField(max_length=64, null=True)
    lease_until = fields.DatetimeField(null=True)
    error = fields.CharField(max_length=500, null=True)
    """Why it failed, as the visitor's view may not show: for the logs and the dashboard."""
    created_at = fields.DatetimeField()

    class Meta:
        table = "turn"
        unique_together = (("conversation", "answers", "attempt"),)


from models.conversation import Conversation  # noqa: E402
