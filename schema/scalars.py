"""Scalars whose wire format clients rely on: UTC times with offset, exact decimals as strings."""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, NewType

import strawberry
from graphql import FloatValueNode, IntValueNode, StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

from resolvers.errors import BadUserInput


def serialize_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def serialize_datetime_text(text: str) -> str:
    """`serialize_datetime` of a time given as ISO 8601 text with its offset (as the databases
    write times into JSON): the text itself when it already reads as `serialize_datetime` writes
    (UTC, a "T", no fraction or six digits of it), else parsed and written. A listed page writes
    hundreds of times; most need no parsing."""
    if (
        text.endswith("+00:00")
        and text[10:11] == "T"
        and (len(text) == 25 or (len(text) == 32 and text[19] == "."))
    ):
        return text
    return serialize_datetime(datetime.fromisoformat(text))


def parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise BadUserInput("A DateTime is an RFC 3339 string such as 2026-11-25T09:30:00Z.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadUserInput(f"Invalid DateTime {value!r}: use RFC 3339.") from None
    if parsed.tzinfo is None:
        raise BadUserInput(f"DateTime {value!r} needs a time zone offset, e.g. Z.")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first representable moment
        raise BadUserInput(f"DateTime {value!r} is out of range.") from None


def serialize_decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_MAX_DECIMAL_LENGTH = 64
_MAX_SCALE = 30


def parse_decimal(value: Any) -> Decimal:
    # Floats are refused: a JSON number has already lost exactness by the time it is a float.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadUserInput('A Decimal is sent as a string, e.g. "0.000125".')
    text = str(value).strip()
    try:
        if len(text) > _MAX_DECIMAL_LENGTH:
            raise InvalidOperation
        parsed = Decimal(text)
    except InvalidOperation:
        raise BadUserInput(f"Invalid Decimal {value!r}.") from None
    if not parsed.is_finite() or not -_MAX_SCALE <= parsed.adjusted() <= _MAX_SCALE:
        raise BadUserInput(f"Invalid Decimal {value!r}: it must be a finite, plain number.")
    return parsed


def parse_decimal_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> Decimal:
    """Literals keep their source text, so `minCost: 0.1` in a query is exactly 0.1."""
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return parse_decimal(node.value)
    raise BadUserInput('A Decimal is a string such as "0.000125".')


JSON = NewType("JSON", object)
"""Any JSON value; annotate fields with this to get the JSON scalar."""


def _identity(value: Any) -> Any:
    return value


BigInt = NewType("BigInt", int)
"""A whole number past GraphQL's 32-bit Int: token sums over months of a busy workspace."""


def parse_bigint(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("BigInt takes a whole number.")
    return value


SCALAR_MAP: dict[object, ScalarDefinition] = {
    datetime: strawberry.scalar(
        name="DateTime",
        description="A moment in time: RFC 3339 with an offset on input, always UTC on output.",
        serialize=serialize_datetime,
        parse_value=parse_datetime,
    ),
    Decimal: strawberry.scalar(
        name="Decimal",
        description='An exact decimal number, serialized as a string ("0.000125"). Used for money.',
        serialize=serialize_decimal,
        parse_value=parse_decimal,
        parse_literal=parse_decimal_literal,
    ),
    BigInt: strawberry.scalar(
        name="BigInt",
        description="A whole number that may pass 2³¹ (token sums), as a JSON number: exact up "
        "to 2⁵³, as JavaScript reads it.",
        serialize=int,
        parse_value=parse_bigint,
    ),
    JSON: strawberry.scalar(
        name="JSON",
        description="Any JSON value: string, number, boolean, null, list or object.",
        specified_by_url="https://ecma-international.org/publications-and-standards/standards/ecma-404/",
        serialize=_identity,
        parse_value=_identity,
    ),
}
