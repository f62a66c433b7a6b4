"""Exact money storage that behaves the same on PostgreSQL and SQLite.

Amounts are stored as a whole number of 10⁻¹² USD in a BIGINT. SQLite has no decimal type (Tortoise
keeps DecimalField there as text, which sorts as text and sums as float), so a scaled integer is the
one representation whose sums, increments, comparisons and ordering are exact on both databases.
Python code only ever sees `Decimal`.
"""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from typing import Any

from tortoise.fields import BigIntField

SCALE = 12
"""Fractional digits kept: a cached input token can cost $0.0000000375; 9 is not enough."""
MAX_AMOUNT = Decimal(1_000_000)
"""The largest amount one reply's cost may be, so that running totals of many stay far inside a
BIGINT (2⁶³ units are about $9.2 million)."""
MAX_UNITS = 2**63 - 1
_PRECISION = 100
"""Digits for scaling: more than any amount the Decimal scalar accepts, so nothing is rounded."""


class InexactMoneyError(ValueError):
    """An amount Parley cannot store exactly: more fractional digits than it keeps, or out of
    range."""


def _scaled(amount: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = _PRECISION
        return amount.scaleb(SCALE)


def exact_units(amount: Decimal) -> int:
    """Scale any storable amount (a total, too) to units, refusing to round or overflow."""
    units = _scaled(amount) if amount.is_finite() else None
    if units is None or abs(units) > MAX_UNITS:
        raise InexactMoneyError(f"{amount} is beyond what Parley stores")
    if units != units.to_integral_value():
        raise InexactMoneyError(f"{amount} has more than {SCALE} decimal places")
    return int(units)


def to_units(amount: Decimal) -> int:
    """Scale an amount a client gives to units: exact, and at most ±MAX_AMOUNT."""
    if amount.is_finite() and abs(amount) > MAX_AMOUNT:
        raise InexactMoneyError(f"{amount} is more than {MAX_AMOUNT}")
    return exact_units(amount)


def ceil_units(amount: Decimal) -> int:
    """Smallest stored value ≥ amount: `cost >= amount` ⇔ `units >= ceil_units(amount)`."""
    return int(_scaled(amount).to_integral_value(ROUND_CEILING))


def floor_units(amount: Decimal) -> int:
    """Largest stored value ≤ amount: `cost <= amount` ⇔ `units <= floor_units(amount)`."""
    return int(_scaled(amount).to_integral_value(ROUND_FLOOR))


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
        return exact_units(value if isinstance(value, Decimal) else Decimal(value))

    def to_python_value(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return from_units(int(value))
