"""Webhooks: a workspace's endpoints, the deliveries derived for them from the event log, and
each attempt to send one.

A delivery is derived from the event log by the endpoint's cursor (the last event number it has
considered), in the same transaction that moves the cursor: an event is never skipped and never
derived twice, whatever crashes when. A delivery is sent under a lease (`leased_until`), so two
processes never send it at once and a process killed mid-send leaves it to be sent again, with the
same `webhook-id`.
"""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import DeliveryState, EndpointState, WebhookEvent


class WebhookEndpoint(Model):
    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation["Workspace"] = fields.ForeignKeyField(
        "models.Workspace", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    workspace_id: int
    url = fields.CharField(max_length=2048)
    description = fields.CharField(max_length=500, default="")
    events: list[str] = fields.JSONField(default=list)
    """The event types it is sent (EventKind values)."""
    conversation_filter: dict[str, object] = fields.JSONField(default=dict)
    """The conversations it hears of (resolvers/filters.py `filter_to_json`); {} for all."""
    follow_redirects = fields.BooleanField(default=False)
    secret = fields.CharField(max_length=64)
    """`whsec_` + base64 of 24 random bytes: what deliveries are signed with."""
    previous_secret = fields.CharField(max_length=64, null=True)
    previous_secret_until = fields.DatetimeField(null=True)
    """Until then deliveries carry a signature with the previous secret too (a rotation)."""
    state = fields.CharEnumField(EndpointState, max_length=16, default=EndpointState.ENABLED)
    disabled_reason = fields.CharField(max_length=500, null=True)
    cursor = fields.BigIntField(default=0)
    """The last event number of the workspace derived into deliveries (or passed over)."""
    failing_since = fields.DatetimeField(null=True)
    """The first failed attempt since its last success; None while it succeeds."""
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "webhook_endpoint"


class WebhookDelivery(Model):
    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: int
    workspace_id = fields.BigIntField()
    event_seq = fields.BigIntField(null=True)
    """The event's number in its workspace's log; None for a workspace notice."""
    conversation_id = fields.BigIntField()
    """No constraint: an erased conversation's ERASED delivery outlives it (0 for a notice)."""
    message_id = fields.BigIntField(null=True)
    kind = fields.CharEnumField(WebhookEvent, max_length=32)
    notice: dict[str, object] | None = fields.JSONField(null=True)
    """A workspace notice's data (ENDPOINT_DISABLED: which endpoint, why)."""
    event_at = fields.DatetimeField()
    state = fields.CharEnumField(DeliveryState, max_length=16, default=DeliveryState.PENDING)
    head = fields.BooleanField(default=False)
    """The earliest PENDING delivery of its conversation for its endpoint: the only one that may
    be sent (in order per conversation). Kept when deliveries are queued and settled, so claiming
    reads the heads alone, however long a failing endpoint's backlog is."""
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    leased_until = fields.DatetimeField(null=True)
    first_failed_at = fields.DatetimeField(null=True)
    """The first failed attempt since it was (re)queued: retries stop a retry window later."""
    last_status = fields.IntField(null=True)
    last_error = fields.CharField(max_length=300, null=True)
    last_latency_ms = fields.IntField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_delivery"
        unique_together = (("endpoint", "event_seq"),)
        indexes = (
            Index(fields=("head", "state", "next_attempt_at"), name="webhook_delivery_due"),
            Index(fields=("endpoint_id", "id"), name="webhook_delivery_log"),
            Index(fields=("created_at",), name="webhook_delivery_age"),
            Index(
                fields=("endpoint_id", "conversation_id", "event_seq"),
                name="webhook_delivery_order",
            ),
            Index(fields=("conversation_id",), name="webhook_delivery_conversation"),
        )


class WebhookAttempt(Model):
    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    delivery_id: int
    at = fields.DatetimeField()
    status = fields.IntField(null=True)
    """The HTTP status answered; None when no answer came (timeout, refused, connection)."""
    error = fields.CharField(max_length=300, null=True)
    latency_ms = fields.IntField()

    class Meta:
        table = "webhook_attempt"


from models.workspace import Workspace  # noqa: E402
