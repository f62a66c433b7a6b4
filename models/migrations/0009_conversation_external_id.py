"""Conversations imported from another platform keep its ID, once per workspace: importing the
same batch again skips what is there."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint


class Migration(migrations.Migration):
    dependencies = [("models", "0008_reply_prices")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Conversation",
            name="external_id",
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddConstraint(
            model_name="Conversation",
            constraint=UniqueConstraint(fields=("workspace", "external_id"), name=None),
        ),
    ]
