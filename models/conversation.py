"""A conversation and the running totals that keep lists, filters and orderings cheap.

The totals (message count, tokens, cost) are kept in step with every message written, in the same
transaction, so listing and ordering by them never aggregates over messages.
"""

from decimal import Decimal

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import ConversationMode, ConversationStatus, ConversationType, Handling
from models.money import MoneyField


class Conversation(Model):
    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation["Workspace"] = fields.ForeignKeyField(
        "models.Workspace", related_name="conversations", on_delete=fields.CASCADE, db_index=False
    )
    workspace_id: int
    assistant: fields.ForeignKeyRelation["Assistant"] = fields.ForeignKeyField(
        "models.Assistant", related_name="conversations", on_delete=fields.CASCADE, db_index=False
    )
    assistant_id: int
    type = fields.CharEnumField(ConversationType, max_length=16)
    mode = fields.CharEnumField(ConversationMode, max_length=16, default=ConversationMode.CHAT)
    status = fields.CharEnumField(
        ConversationStatus, max_length=16, default=ConversationStatus.ACTIVE
    )
    started_at = fields.DatetimeField()
    last_activity_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    visitor_session_id = fields.CharField(max_length=200, null=True)
    visitor_page_url = fields.CharField(max_length=2048, null=True)
    visitor_user_agent = fields.CharField(max_length=1024, null=True)
    visitor_locale = fields.CharField(max_length=35, null=True)

    handling = fields.CharEnumField(Handling, max_length=16, default=Handling.ASSISTANT)
    """Who answers the visitor now (models/enums.py `Handling`)."""
    assignee_id = fields.BigIntField(null=True)
    """The agent it is assigned to, if any."""
    waiting_since = fields.DatetimeField(null=True)
    """When a person was last asked for (kept after one took it: the wait is measured from it)."""
    taken_over_at = fields.DatetimeField(null=True)
    """When an agent last took it over."""
    message_count = fields.IntField(default=0)
    input_tokens = fields.BigIntField(default=0)
    output_tokens = fields.BigIntField(default=0)
    cached_input_tokens = fields.BigIntField(default=0)
    cost: Decimal = MoneyField(default=0, source_field="cost_e12")  # type: ignore[assignment]
    unpriced_replies = fields.IntField(
        default=0, description="assistant replies whose model had no price and no given cost"
    )
    rating = fields.SmallIntField(null=True)
    """The visitor's CSAT, 1–5 (rating again replaces it)."""
    rating_comment = fields.CharField(max_length=2000, null=True)
    rated_at = fields.DatetimeField(null=True)
    external_id = fields.CharField(max_length=200, null=True)
    """Its ID on the platform it was imported from: an import skips one it holds already."""

    class Meta:
        table = "conversation"
        unique_together = (("workspace", "external_id"),)
        # One index per ordering (each ending in id, the keyset tie-breaker) and per filter;
        # WAITING_SINCE's, whose NULLs come last either way, are SQL of migration 0025.
        indexes = (
            Index(fields=("workspace_id", "started_at", "id"), name="conv_ws_started"),
            Index(fields=("workspace_id", "last_activity_at", "id"), name="conv_ws_activity"),
            Index(fields=("workspace_id", "cost_e12", "id"), name="conv_ws_cost"),
            Index(fields=("workspace_id", "message_count", "id"), name="conv_ws_msgcount"),
            Index(fields=("workspace_id", "status", "type", "started_at"), name="conv_ws_status"),
            Index(fields=("workspace_id", "type", "started_at"), name="conv_ws_type"),
            Index(fields=("assistant_id", "started_at"), name="conv_assistant_started"),
        )


from models.assistant import Assistant  # noqa: E402
from models.workspace import Workspace  # noqa: E402
