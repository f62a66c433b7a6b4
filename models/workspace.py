"""A workspace is the tenant: every other record belongs to exactly one."""

from tortoise import fields
from tortoise.models import Model


class Workspace(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "workspace"
