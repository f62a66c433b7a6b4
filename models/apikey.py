"""API keys: only a hash of the secret is stored; the visible prefix lets people tell keys apart."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import ApiKeyKind


class ApiKey(Model):
    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation["Workspace"] = fields.ForeignKeyField(
        "models.Workspace", related_name="api_keys", on_delete=fields.CASCADE, db_index=False
    )
    workspace_id: int
    # Publishable (widget) keys belong to one assistant; secret keys to none.
    assistant: fields.ForeignKeyNullableRelation["Assistant"] = fields.ForeignKeyField(
        "models.Assistant", related_name="api_keys", null=True, on_delete=fields.CASCADE
    )
    assistant_id: int | None
    agent_id = fields.BigIntField(null=True)
    """An AGENT key's agent (its own key; kept, unreferenced, should the agent go)."""
    kind = fields.CharEnumField(ApiKeyKind, max_length=16)
    prefix = fields.CharField(max_length=32)
    secret_hash = fields.CharField(max_length=64, unique=True)
    scopes = fields.CharField(max_length=64, description="comma-separated ApiKeyScope values")
    name = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"
        indexes = (Index(fields=("workspace_id", "created_at", "id"), name="api_key_ws_created"),)


from models.assistant import Assistant  # noqa: E402
from models.workspace import Workspace  # noqa: E402
