"""A reply's earlier figures, kept when `recomputeCosts` repriced it: nothing is overwritten
without a trace."""

from decimal import Decimal

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.enums import PriceSource
from models.money import MoneyField


class CostChange(Model):
    id = fields.BigIntField(primary_key=True)
    message: fields.ForeignKeyRelation["Message"] = fields.ForeignKeyField(
        "models.Message", related_name="cost_changes", on_delete=fields.CASCADE, db_index=False
    )
    message_id: int
    cost: Decimal | None = MoneyField(null=True, source_field="cost_e12")  # type: ignore[assignment]
    input_price: Decimal | None = MoneyField(null=True, source_field="input_price_e12")  # type: ignore[assignment]
    output_price: Decimal | None = MoneyField(null=True, source_field="output_price_e12")  # type: ignore[assignment]
    cached_input_price: Decimal | None = MoneyField(  # type: ignore[assignment]
        null=True, source_field="cached_input_price_e12"
    )
    price_source = fields.CharEnumField(PriceSource, max_length=16, null=True)
    price_version = fields.CharField(max_length=32, null=True)
    replaced_at = fields.DatetimeField()
    """When the reply was repriced and these figures were replaced."""

    class Meta:
        table = "cost_change"
        indexes = (Index(fields=("message_id", "id"), name="cost_change_message"),)


from models.message import Message  # noqa: E402
