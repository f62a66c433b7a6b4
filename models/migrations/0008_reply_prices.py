"""Where each reply's cost came from (given, the price table and its release, or unknown), and
the earlier figures of repriced replies (`cost_change`).

Replies recorded before this migration are labelled from what they hold: no cost is UNKNOWN; a
cost with the unit prices it was charged at came from the PRICE_TABLE (its release was not kept);
a cost without them was GIVEN (the table's tiered prices, which have no single unit price, are
rare enough to be taken for given: such a reply is then never repriced, which loses nothing).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import PriceSource
from models.money import MoneyField
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0007_conversation_tally")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CostChange",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "message",
                    fields.ForeignKeyField(
                        "models.Message",
                        source_field="message_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="cost_changes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("cost", MoneyField(source_field="cost_e12", null=True)),
                ("input_price", MoneyField(source_field="input_price_e12", null=True)),
                ("output_price", MoneyField(source_field="output_price_e12", null=True)),
                (
                    "cached_input_price",
                    MoneyField(source_field="cached_input_price_e12", null=True),
                ),
                (
                    "price_source",
                    fields.CharEnumField(
                        null=True,
                        description="GIVEN: GIVEN\nPRICE_TABLE: PRICE_TABLE\nUNKNOWN: UNKNOWN",
                        enum_type=PriceSource,
                        max_length=16,
                    ),
                ),
                ("price_version", fields.CharField(null=True, max_length=32)),
                ("replaced_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "cost_change",
                "app": "models",
                "indexes": [Index(fields=["message_id", "id"], name="cost_change_message")],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Message",
            name="price_source",
            field=fields.CharEnumField(
                null=True,
                description="GIVEN: GIVEN\nPRICE_TABLE: PRICE_TABLE\nUNKNOWN: UNKNOWN",
                enum_type=PriceSource,
                max_length=16,
            ),
        ),
        ops.AddField(
            model_name="Message",
            name="price_version",
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.RunSQL(
            "UPDATE message SET price_source = CASE WHEN cost_e12 IS NULL THEN 'UNKNOWN' "
            "WHEN input_price_e12 IS NOT NULL OR output_price_e12 IS NOT NULL "
            "THEN 'PRICE_TABLE' ELSE 'GIVEN' END WHERE provider IS NOT NULL",
            reverse_sql=ops.RunSQL.noop,
        ),
    ]
