"""A document's static cost: the records it may ask for, page sizes multiplied through nesting.

A field with `first`/`last` asks for that many items (the resolvers' DEFAULT_PAGE_SIZE when neither
is given; they refuse more than MAX_PAGE_SIZE, so a page never costs more), each costing 1, and
everything below it counts that many times; a connection's edges and nodes are those items, so they
cost nothing more. Other lists of objects count DEFAULT_PAGE_SIZE items. A single object costs 1
when it is a record of its own (a `Node`); values that come with their record (usage, visitor,
pageInfo, payloads) cost nothing themselves. Scalars, `__typename` and introspection cost nothing.
Each fragment is priced once.

The analysis of a validated document is made once (`price`) and kept with it in the cache; the
page sizes given as variables are read per request (`Cost.evaluate`), in time linear in the
document's length.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_composite_type,
)

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

SCAFFOLDING = ("Connection", "Edge")
"""Types whose fields carry a page's items, which the page field has already counted."""

Size = int | str | None
"""A `first`/`last` argument: a literal, a variable's name, or absent."""


@dataclass(frozen=True)
class Page:
    first: Size
    last: Size

    def size(self, variables: Mapping[str, Any]) -> int:
        sizes = [_read(size, variables) for size in (self.first, self.last)]
        given = [size for size in sizes if size is not None]
        return max(0, min(MAX_PAGE_SIZE, max(given))) if given else DEFAULT_PAGE_SIZE


def _read(size: Size, variables: Mapping[str, Any]) -> int | None:
    if isinstance(size, str):
        value = variables.get(size)
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return size


@dataclass(frozen=True)
class Term:
    page: Page | int
    charge: int
    inner: "Cost | int"


@dataclass(frozen=True)
class Cost:
    """The part of a selection's cost that depends on variables."""

    fixed: int
    terms: tuple[Term, ...]
    fragments: tuple["Cost", ...]

    def evaluate(self, variables: Mapping[str, Any]) -> int:
        return _evaluate(self, variables, {})


def _evaluate(cost: "Cost | int", variables: Mapping[str, Any], done: dict[int, int]) -> int:
    if isinstance(cost, int):
        return cost
    known = done.get(id(cost))
    if known is not None:
        return known
    total = cost.fixed
    for term in cost.terms:
        size = term.page if isinstance(term.page, int) else term.page.size(variables)
        total += size * (term.charge + _evaluate(term.inner, variables, done))
    for fragment in cost.fragments:
        total += _evaluate(fragment, variables, done)
    done[id(cost)] = total
    return total


def _size(node: FieldNode, name: str) -> Size:
    for argument in node.arguments or ():
        if argument.name.value != name:
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            return value.name.value
        if isinstance(value, NullValueNode):
            return None
    return None


class _Pricing:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.done: dict[str, Cost | int] = {}

    def fragment(self, name: str) -> "Cost | int":
        known = self.done.get(name)
        if known is not None:
            return known
        definition = self.fragments[name]
        parent = self.schema.get_type(definition.type_condition.name.value)
        priced = self.done[name] = self.selections(definition.selection_set, parent)
        return priced

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> "Cost | int":
        fixed = 0
        terms: list[Term] = []
        fragments: list[Cost] = []

        def add(priced: "Cost | int") -> None:
            nonlocal fixed
            if isinstance(priced, int):
                fixed += priced
            else:
                fragments.append(priced)

        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                field = _field(parent, selection.name.value)
                if field is None:
                    continue
                page, charge, inner = self.field(selection, field, parent)
                if isinstance(page, int) and isinstance(inner, int):
                    fixed += page * (charge + inner)
                else:
                    terms.append(Term(page, charge, inner))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner_parent = self.schema.get_type(condition.name.value) if condition else parent
                add(self.selections(selection.selection_set, inner_parent))
            elif isinstance(selection, FragmentSpreadNode):
                add(self.fragment(selection.name.value))
        if not terms and not fragments:
            return fixed
        return Cost(fixed, tuple(terms), tuple(fragments))

    def field(
        self, node: FieldNode, field: GraphQLField, parent: GraphQLNamedType | None
    ) -> tuple[Page | int, int, "Cost | int"]:
        named = get_named_type(field.type)
        if not is_composite_type(named):
            return 1, 0, 0
        inner = self.selections(node.selection_set, named)
        if parent is not None and parent.name.endswith(SCAFFOLDING):
            return 1, 0, inner
        if "first" in field.args or "last" in field.args:
            page = Page(_size(node, "first"), _size(node, "last"))
            if isinstance(page.first, str) or isinstance(page.last, str):
                return page, 1, inner
            return page.size({}), 1, inner
        if isinstance(get_nullable_type(field.type), GraphQLList):
            return DEFAULT_PAGE_SIZE, 1, inner
        return 1, int(_is_record(named)), inner


def _is_record(named: GraphQLNamedType) -> bool:
    """Objects with an id of their own; the values inside one (usage, visitor) come with it."""
    if isinstance(named, GraphQLObjectType):
        return any(interface.name == "Node" for interface in named.interfaces)
    return is_abstract_type(named)


def _field(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    if name.startswith("__") or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return None
    found: GraphQLField | None = parent.fields.get(name)
    return found


@dataclass(frozen=True)
class OperationCost:
    cost: Cost | int
    defaults: Mapping[str, int]
    """Page sizes that the operation's variables default to."""

    def evaluate(self, variables: Mapping[str, Any] | None) -> int:
        if isinstance(self.cost, int):
            return self.cost
        return self.cost.evaluate({**self.defaults, **(variables or {})})


def price(schema: GraphQLSchema, document: DocumentNode) -> dict[str | None, OperationCost]:
    """Each operation's cost by name (None for an anonymous one), for a validated document."""
    pricing = _Pricing(schema, document)
    priced: dict[str | None, OperationCost] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            name = definition.name.value if definition.name else None
            defaults = {
                variable.variable.name.value: int(variable.default_value.value)
                for variable in definition.variable_definitions or ()
                if isinstance(variable.default_value, IntValueNode)
            }
            cost = pricing.selections(definition.selection_set, root)
            priced[name] = OperationCost(cost, defaults)
    return priced
