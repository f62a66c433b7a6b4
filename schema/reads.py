"""What a field reads from a row: one declaration beside the field, for both ways of answering.

A field of an object type declared with `field(read, description)` says how its value comes out of
the row the type is built from: a column, a time, money, an ID, a value computed from the row, or
a nested object read from (part of) the row. The executor's objects are built from those reads
(`built`), and the compiled plans (schema/plan/) write the same fields straight to JSON from the
very same reads: a field added with a read is answered by both, and one without is either answered
by a plan's relation code or refused when the schema is built (schema/plan/coverage.py).

A read's JSON side is what the schema's serializer would write for its value: times are written
from the text the database gave (`<name>_text` on the reader's rows, resolvers/listed.py), money by
`serialize_decimal`, enums by their value (each enum used here has values equal to its names, which
`enum` checks), IDs by the resolvers' own encoder.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from functools import cache
from types import MappingProxyType
from typing import Any, TypeVar

import strawberry
from strawberry.types.base import get_object_definition

from resolvers.ids import encode_id
from schema.plan.shape import Bound, Getter, attribute
from schema.policy.visibility import VISITOR
from schema.scalars import serialize_datetime, serialize_datetime_text, serialize_decimal

T = TypeVar("T")
READ = "parley.read"
"""The metadata key a field's read is kept under."""
ROOT = "parley.root"
"""The metadata key a root field's read is kept under."""

RootRead = Callable[..., Awaitable[Any]]
"""A root field's rows: called with the request's context and the field's arguments (Python
names, converted as its resolver gets them)."""


@dataclass(frozen=True, slots=True)
class Typed:
    """What a root read of an interface (`node`) answers: the row and the type it is."""

    type_name: str
    row: Any


def root(read: RootRead, *, visitor: bool = False) -> Mapping[str, Any]:
    """A root field's metadata: `read` gives what it answers (a row or a list of them, of a
    type whose fields have reads, or a list of plain values), so a compiled plan answers it as
    the field's resolver does; `visitor`: open to visitors (its rows are the same for them)."""
    return MappingProxyType({ROOT: read, **(VISITOR if visitor else {})})


@dataclass(frozen=True, slots=True)
class Read:
    value: Callable[[Any], Any]
    """The field's Python value, from the row (the executor's object)."""
    json: Getter
    """The field's JSON value, from the row (a compiled plan's response)."""
    nested: type | None = None
    """An object field: the type its value is built as (from what `json` returns)."""
    many: bool = False
    """A list of such objects."""
    node_id: bool = False
    """`Node.id`: the ID of whichever type the row is built as (bound by `reads`)."""


def field(read: Read, description: str, *, visitor: bool = False) -> Any:
    """`strawberry.field` whose value is `read` from the row; `visitor`: open to visitors
    (schema/policy/visibility.py)."""
    metadata = {READ: read, **(VISITOR if visitor else {})}
    return strawberry.field(metadata=metadata, description=description)


def column(name: str) -> Read:
    """A value written as it is (a string, number, boolean or null)."""
    return Read(value=lambda row: getattr(row, name), json=attribute(name))


def enum(name: str, kind: type[Enum], default: Enum | None = None) -> Read:
    """An enum kept as its value; `default` for a null one."""
    if any(member.name != member.value for member in kind):
        raise TypeError(f"{kind.__name__}: a plan writes an enum's value as its name")
    fallback = None if default is None else default.value

    def raw(row: Any) -> Any:
        found = getattr(row, name)
        return fallback if found is None else found

    if default is None:  # written inline by a plan: a model's member is a str (StrEnum) too
        return Read(
            value=lambda row: None if (found := raw(row)) is None else kind(found),
            json=attribute(name),
        )
    return Read(value=lambda row: kind(raw(row)), json=lambda row, _bound: str(raw(row)))


def time(name: str) -> Read:
    """A time: the row's datetime for the executor, and for a plan the database's text where
    the row kept it (a listed row), else the datetime written as the schema writes it."""
    text = f"{name}_text"

    def json(row: Any, _bound: Bound) -> str | None:
        found = getattr(row, text, None)
        if found is not None:
            return serialize_datetime_text(found)
        value = getattr(row, name)
        return None if value is None else serialize_datetime(value)

    return Read(value=lambda row: getattr(row, name), json=json)


def money(name: str) -> Read:
    return Read(value=lambda row: getattr(row, name), json=attribute(name, serialize_decimal))


def reference(name: str, type_name: str) -> Read:
    """The opaque ID (as `type_name`) of the row a column names (null: none)."""

    def encoded(row: Any) -> str | None:
        pk = getattr(row, name)
        return None if pk is None else encode_id(type_name, pk)

    return Read(
        value=lambda row: None if (found := encoded(row)) is None else strawberry.ID(found),
        json=lambda row, _bound: encoded(row),
    )


def key_id(name: str) -> Read:
    """The opaque ID of the API key a row names (null: none)."""
    return reference(name, "ApiKey")


def own_id(type_name: str) -> Read:
    """The row's own opaque ID as `type_name`."""
    return Read(
        value=lambda row: strawberry.ID(encode_id(type_name, row.id)),
        json=lambda row, _bound: encode_id(type_name, row.id),
    )


NODE_ID = Read(value=lambda row: None, json=lambda row, _bound: None, node_id=True)
"""`Node.id`: each type's own ID (`own_id` of the type it is read as)."""


def computed(get: Callable[[Any], Any], serialize: Callable[[Any], Any] | None = None) -> Read:
    """A value computed from the row; `serialize` writes it for a plan when it is not null."""

    def json(row: Any, _bound: Bound) -> Any:
        value = get(row)
        return value if serialize is None or value is None else serialize(value)

    return Read(value=get, json=json)


def constant(value: Any) -> Read:
    return Read(value=lambda _row: value, json=lambda _row, _bound: value)


def nested(get: Callable[[Any], Any], kind: type, *, many: bool = False) -> Read:
    """An object (or a list of them, `many`) built as `kind` from what `get` returns of the row
    (null stays null)."""

    def value(row: Any) -> Any:
        found = get(row)
        if found is None:
            return None
        if many:
            return [built(kind, each) for each in found]
        return built(kind, found)

    return Read(value=value, json=lambda row, _bound: get(row), nested=kind, many=many)


def reads(kind: type) -> Mapping[str, Read]:
    """`kind`'s reads by Python field name (its `Node.id` bound to its own type)."""
    return _reads(kind)


@cache
def _reads(kind: type) -> Mapping[str, Read]:
    definition = get_object_definition(kind, strict=True)
    found: dict[str, Read] = {}
    for each in definition.fields:
        read = each.metadata.get(READ) if each.metadata else None
        if read is None:
            continue
        if read.node_id:
            read = replace(own_id(definition.name), node_id=False)
        found[each.python_name] = read
    return MappingProxyType(found)


def built(kind: type[T], row: Any, **rest: Any) -> T:
    """An object of `kind` from `row` by its fields' reads; `rest` gives the other fields (its
    private ones, those with resolvers of their own)."""
    values = {name: read.value(row) for name, read in reads(kind).items()}
    return kind(**values, **rest)
