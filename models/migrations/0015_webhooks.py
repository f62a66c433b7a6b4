"""Webhooks: endpoints, the deliveries derived for them from the event log, and their attempts."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import DeliveryState, EndpointState, WebhookEvent
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0014_labels")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "workspace",
                    fields.ForeignKeyField(
                        "models.Workspace",
                        source_field="workspace_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_endpoints",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("url", fields.CharField(max_length=2048)),
                ("description", fields.CharField(default="", max_length=500)),
                ("events", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "conversation_filter",
                    fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("follow_redirects", fields.BooleanField(default=False)),
                ("secret", fields.CharField(max_length=64)),
                ("previous_secret", fields.CharField(null=True, max_length=64)),
                (
                    "previous_secret_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        default=EndpointState.ENABLED,
                        description="ENABLED: ENABLED\nDISABLED: DISABLED\nFAILING: FAILING",
                        enum_type=EndpointState,
                        max_length=16,
                    ),
                ),
                ("disabled_reason", fields.CharField(null=True, max_length=500)),
                ("cursor", fields.BigIntField(default=0)),
                (
                    "failing_since",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "webhook_endpoint", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "models.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("workspace_id", fields.BigIntField()),
                ("event_seq", fields.BigIntField(null=True)),
                ("conversation_id", fields.BigIntField()),
                ("message_id", fields.BigIntField(null=True)),
                (
                    "kind",
                    fields.CharEnumField(
                        description="CONVERSATION_STARTED: CONVERSATION_STARTED\nMESSAGE_ADDED: MESSAGE_ADDED\nVARIABLES_SET: VARIABLES_SET\nCONVERSATION_ENDED: CONVERSATION_ENDED\nCONVERSATION_RATED: CONVERSATION_RATED\nCONVERSATION_LABELLED: CONVERSATION_LABELLED\nCONVERSATION_ERASED: CONVERSATION_ERASED\nENDPOINT_DISABLED: ENDPOINT_DISABLED",
                        enum_type=WebhookEvent,
                        max_length=32,
                    ),
                ),
                ("notice", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("event_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "state",
                    fields.CharEnumField(
                        default=DeliveryState.PENDING,
                        description="PENDING: PENDING\nDELIVERED: DELIVERED\nFAILED: FAILED",
                        enum_type=DeliveryState,
                        max_length=16,
                    ),
                ),
                ("head", fields.BooleanField(default=False)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "leased_until",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "first_failed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("last_status", fields.IntField(null=True)),
                ("last_error", fields.CharField(null=True, max_length=300)),
                ("last_latency_ms", fields.IntField(null=True)),
                (
                    "last_attempt_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "delivered_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_delivery",
                "app": "models",
                "unique_together": (("endpoint", "event_seq"),),
                "indexes": [
                    Index(fields=["head", "state", "next_attempt_at"], name="webhook_delivery_due"),
                    Index(fields=["endpoint_id", "id"], name="webhook_delivery_log"),
                    Index(fields=["created_at"], name="webhook_delivery_age"),
                    Index(
                        fields=["endpoint_id", "conversation_id", "event_seq"],
                        name="webhook_delivery_order",
                    ),
                    Index(fields=["conversation_id"], name="webhook_delivery_conversation"),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookAttempt",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "delivery",
                    fields.ForeignKeyField(
                        "models.WebhookDelivery",
                        source_field="delivery_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attempt_log",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("status", fields.IntField(null=True)),
                ("error", fields.CharField(null=True, max_length=300)),
                ("latency_ms", fields.IntField()),
            ],
            options={"table": "webhook_attempt", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
