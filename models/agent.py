"""The people of a workspace who answer visitors when a conversation is handed over to a person.

An agent is known to visitors by `name` only; it signs in with a key of its own (an AGENT key,
models/apikey.py), revocable like every key. Archiving an agent revokes its keys and keeps what
it wrote.
"""

from tortoise import fields
from tortoise.models import Model


class Agent(Model):
    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation["Workspace"] = fields.ForeignKeyField(
        "models.Workspace", related_name="agents", on_delete=fields.CASCADE, db_index=False
    )
    workspace_id: int
    name = fields.CharField(max_length=100)
    """What visitors see: "Ada joined", and beside each of the agent's messages."""
    created_at = fields.DatetimeField(auto_now_add=True)
    archived_at = fields.DatetimeField(null=True)

    class Meta:
        table = "agent"
        unique_together = (("workspace", "name"),)


from models.workspace import Workspace  # noqa: E402
