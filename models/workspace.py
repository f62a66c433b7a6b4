"""A workspace is the tenant: every other record belongs to exactly one."""

from tortoise import fields
from tortoise.models import Model


class Workspace(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    # The last event number handed out: taking the next one locks this row until commit, so a
    # workspace's events become visible in number order and live readers never skip one.
    event_seq = fields.BigIntField(default=0)
    events_numbered_at = fields.DatetimeField(
        null=True,
        description="when the sequencer last numbered this workspace's events (PostgreSQL): "
        "with a bus, recent numbers are announced again",
    )
    # Retention: conversations of each type are erased this many days after they started (null:
    # kept forever), by every server process's sweeper (resolvers/retention.py).
    keep_web_widget_days = fields.IntField(null=True)
    keep_test_days = fields.IntField(null=True)

    class Meta:
        table = "workspace"
