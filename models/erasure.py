"""The audit record of an erasure: who erased how many conversations, how and when; never what
they held or whose they were."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Erasure(Model):
    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation["Workspace"] = fields.ForeignKeyField(
        "models.Workspace", related_name="erasures", on_delete=fields.CASCADE, db_index=False
    )
    workspace_id: int
    by_key_id = fields.BigIntField(null=True)
    """The API key that erased (kept after the key is deleted, so no foreign key); null for
    the retention job."""
    reason = fields.CharField(max_length=32)
    """CONVERSATION, VISITOR_SESSION, VISITOR_VARIABLE or RETENTION."""
    conversations = fields.IntField()
    erased_at = fields.DatetimeField()

    class Meta:
        table = "erasure"
        indexes = (Index(fields=("workspace_id", "id"), name="erasure_workspace"),)


from models.workspace import Workspace  # noqa: E402
