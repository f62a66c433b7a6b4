"""Rate-limit counters shared by every server process (models/ratelimit.py)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0004_event_sequence")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RateCounter",
            fields=[
                (
                    "key",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=200),
                ),
                ("hits", fields.BigIntField()),
                ("resets_at", fields.FloatField(db_index=True)),
                ("added", fields.BigIntField(default=0)),
            ],
            options={"table": "rate_counter", "app": "models", "pk_attr": "key"},
            bases=["Model"],
        ),
    ]
