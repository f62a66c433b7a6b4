"""A field's arguments, turned into the value a plan uses once per request.

A slot keeps the field's node and definitions; at run time it coerces the arguments exactly as the
executor does (graphql-core's `get_argument_values` with the request's coerced variables, then
Strawberry's `convert_arguments` into the schema's input classes) and hands them to the same
function the field's resolver uses to read them, so a plan reads the same filter, order and page.

Strawberry's conversion resolves type annotations on every call (a badge request spent 15% of its
CPU there), and dashboards send the same arguments over and over: the process remembers what the
last REMEMBERED distinct argument values read as, by reader (each field has its own) and the
coerced values' `repr` (enums, Decimals, times and IDs all spell themselves out; nothing about
the caller is in them). What is remembered is immutable (frozen filters, orders and page
arguments, strings, enums); a value that fails to read is never remembered.
"""

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLField
from graphql.execution.values import VariableValues, get_argument_values
from strawberry import Schema
from strawberry.types.arguments import StrawberryArgument, convert_arguments

REMEMBERED = 1024
"""Distinct argument values the process remembers, for all plans together (about a megabyte)."""
MAX_KEY = 1024
"""Longer argument values are read every time: their key would weigh more than it saves."""

_remembered: OrderedDict[tuple[Callable[..., Any], str], Any] = OrderedDict()


@dataclass(frozen=True)
class Slot:
    definition: GraphQLField
    node: FieldNode
    arguments: list[StrawberryArgument]
    read: Callable[..., Any]
    """Called with the converted arguments as keywords (Python names), as a resolver is."""

    def resolve(self, schema: Schema, variables: VariableValues) -> Any:
        raw = get_argument_values(self.definition, self.node, variables)
        key = (self.read, repr(raw))
        if key in _remembered:
            _remembered.move_to_end(key)
            return _remembered[key]
        converted = convert_arguments(
            raw,
            self.arguments,
            scalar_registry=schema.schema_converter.scalar_registry,
            config=schema.config,
        )
        value = self.read(**converted)
        if len(key[1]) <= MAX_KEY:
            _remembered[key] = value
            if len(_remembered) > REMEMBERED:
                _remembered.popitem(last=False)
        return value
