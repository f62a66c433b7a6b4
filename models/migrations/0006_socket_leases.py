"""Open websockets as leases every process counts (models/socketlease.py)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0005_rate_counters")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SocketLease",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=80),
                ),
                ("subject", fields.CharField(db_index=True, max_length=200)),
                ("expires_at", fields.FloatField(db_index=True)),
            ],
            options={"table": "socket_lease", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
