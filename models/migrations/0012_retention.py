"""Retention: days to keep each workspace's WEB_WIDGET and TEST conversations (null: forever)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0011_erasure")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Workspace",
            name="keep_test_days",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Workspace",
            name="keep_web_widget_days",
            field=fields.IntField(null=True),
        ),
    ]
