"""Who set each variable (its key) and at which message, and its earlier values when it was set
again (`variable_change`). Variables set before this migration have neither."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0009_conversation_external_id")]

    initial = False

    operations = [
        ops.CreateModel(
            name="VariableChange",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "variable",
                    fields.ForeignKeyField(
                        "models.Variable",
                        source_field="variable_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="changes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("value_json", fields.CharField(max_length=2000)),
                ("collected_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("set_by_key_id", fields.BigIntField(null=True)),
                ("message_sequence", fields.IntField(null=True)),
                ("replaced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "variable_change",
                "app": "models",
                "indexes": [Index(fields=["variable_id", "id"], name="variable_change_variable")],
                "pk_attr": "id",
                "table_description": "A variable's earlier value, kept when it was set again.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Variable",
            name="message_sequence",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Variable",
            name="set_by_key_id",
            field=fields.BigIntField(null=True),
        ),
    ]
