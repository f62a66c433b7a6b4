"""A field's arguments, turned into the value a plan uses once per request.

A slot keeps the field's node and definitions; at run time it coerces the arguments exactly as the
executor does (graphql-core's `get_argument_values` with the request's coerced variables, then
Strawberry's `convert_arguments` into the schema's input classes) and hands them to the same
function the field's resolver uses to read them, so a plan reads the same filter, order and page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLField
from graphql.execution.values import VariableValues, get_argument_values
from strawberry import Schema
from strawberry.types.arguments import StrawberryArgument, convert_arguments


@dataclass(frozen=True)
class Slot:
    definition: GraphQLField
    node: FieldNode
    arguments: list[StrawberryArgument]
    read: Callable[..., Any]
    """Called with the converted arguments as keywords (Python names), as a resolver is."""

    def resolve(self, schema: Schema, variables: VariableValues) -> Any:
        raw = get_argument_values(self.definition, self.node, variables)
        converted = convert_arguments(
            raw,
            self.arguments,
            scalar_registry=schema.schema_converter.scalar_registry,
            config=schema.config,
        )
        return self.read(**converted)
