"""An assistant's widget colour and language (both nullable: the widget's defaults)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0019_first_message")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Assistant",
            name="language",
            field=fields.CharField(null=True, max_length=35),
        ),
        ops.AddField(
            model_name="Assistant",
            name="widget_color",
            field=fields.CharField(null=True, max_length=7),
        ),
    ]
