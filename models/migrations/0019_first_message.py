"""An assistant's first message, written when a conversation starts."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0018_engine")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Assistant",
            name="first_message",
            field=fields.TextField(null=True, unique=False),
        ),
    ]
