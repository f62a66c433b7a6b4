"""Exact money storage that behaves the same on PostgreSQL and SQLite.

Amounts are stored as a whole number of 10⁻¹² USD in a BIGINT. SQLite has no decimal type (Tortoise
keeps DecimalField there as text, which sorts as text and sums as float), so a scaled integer is the
one representation whose sums, increments, comparisons and ordering are exact on both databases.
Python code only ever sees `Decimal`.
"""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from tortoise.fields import BigIntField

SCALE = 12
"""Fractional digits kept: a cached input token can cost $0.0000000375; 9 is not enough."""


class InexactMoneyError(ValueError):
    """An amount has more fractional digits than Parley stores."""


def to_units(amount: Decimal) -> int:
    """Scale an amount to stored units, refusing to round it silently."""
    units = amount.scaleb(SCALE)
    if units != units.to_integral_value():
        raise InexactMoneyError(f"{amount} has more than {SCALE} decimal places")
    return int(units)


def ceil_units(amount: Decimal) -> int:
    """Smallest stored value ≥ amount: `cost >= amount` ⇔ `units >= ceil_units(amount)`."""
    return int(amount.scaleb(SCALE).to_integral_value(ROUND_CEILING))


def floor_units(amount: Decimal) -> int:
    """Largest stored value ≤ amount: `cost <= amount` ⇔ `units <= floor_units(amount)`."""
    return int(amount.scaleb(SCALE).to_integral_value(ROUND_FLOOR))


def from_units(units: int) -> Decimal:
    """Stored units back to the exact Decimal amount."""
    return Decimal(units).scaleb(-SCALE)


class MoneyField(BigIntField):
    """A `Decimal` amount in USD, stored as 10⁻¹² units (see the module docstring)."""

    def to_db_value(self, value: Any, instance: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money is never a float: pass a Decimal")
        return to_units(value if isinstance(value, Decimal) else Decimal(value))

    def to_python_value(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return from_units(int(value))
