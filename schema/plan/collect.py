"""Field collection as the GraphQL specification defines it (CollectFields), for the plans.

Fields are grouped by response key in the order they first appear, across fragment spreads and
inline fragments whose type condition applies, and `@skip`/`@include` are decided with the
request's variables: the same grouping graphql-core's executor makes, so a plan's answer has the
same keys in the same order. Anything else a plan does not know (another directive, an unknown
fragment) is `NotCovered`, and the request is executed as usual.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
)


class NotCoveredError(Exception):
    """This operation (or this request of it) is answered by the executor, not by a plan."""


@dataclass
class Collected:
    """One response key: its field name and every node merged under it."""

    key: str
    name: str
    nodes: list[FieldNode] = field(default_factory=list)

    @property
    def selection_sets(self) -> list[SelectionSetNode]:
        return [node.selection_set for node in self.nodes if node.selection_set is not None]


def _included(directives: Iterable[DirectiveNode], variables: Mapping[str, Any]) -> bool:
    for directive in directives:
        name = directive.name.value
        arguments = directive.arguments or ()
        if name not in ("skip", "include") or len(arguments) != 1:
            raise NotCoveredError(f"directive @{name}")
        value_node = arguments[0].value
        value: Any
        if isinstance(value_node, BooleanValueNode):
            value = value_node.value
        elif isinstance(value_node, VariableNode):
            value = variables.get(value_node.name.value)
        else:
            raise NotCoveredError("directive argument")
        if not isinstance(value, bool):
            raise NotCoveredError("directive argument")
        if (name == "skip") == value:
            return False
    return True


def _applies(type_name: str | None, runtime: GraphQLObjectType) -> bool:
    return (
        type_name is None
        or type_name == runtime.name
        or any(interface.name == type_name for interface in runtime.interfaces)
    )


def collect(
    selection_sets: Iterable[SelectionSetNode],
    runtime: GraphQLObjectType,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> list[Collected]:
    """The fields these selection sets (merged) select on an object of type `runtime`."""
    grouped: dict[str, Collected] = {}
    visited: set[str] = set()
    for selection_set in selection_sets:
        _visit(selection_set, runtime, fragments, variables, grouped, visited)
    return list(grouped.values())


def _visit(
    selection_set: SelectionSetNode,
    runtime: GraphQLObjectType,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    grouped: dict[str, Collected],
    visited: set[str],
) -> None:
    for selection in selection_set.selections:
        if not _included(selection.directives or (), variables):
            continue
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            entry = grouped.get(key)
            if entry is None:
                entry = grouped[key] = Collected(key=key, name=selection.name.value)
            entry.nodes.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else None
            if _applies(condition, runtime):
                _visit(selection.selection_set, runtime, fragments, variables, grouped, visited)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in visited:
                continue
            visited.add(name)
            fragment = fragments.get(name)
            if fragment is None:
                raise NotCoveredError(f"fragment {name}")
            if _applies(fragment.type_condition.name.value, runtime):
                _visit(fragment.selection_set, runtime, fragments, variables, grouped, visited)
        else:
            raise NotCoveredError("selection")
