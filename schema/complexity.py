"""Validation rules that refuse queries too deep or too aliased to serve cheaply.

Built once per process and added with `AddValidationRules`, so validated documents stay cached.
"""

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)

from resolvers.errors import QueryTooComplex

CODE = QueryTooComplex.code


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    visiting: frozenset[str],
) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue  # introspection is not data and is as deep as the type system
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, visiting))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in visiting:
                deepest = max(deepest, _depth(fragment.selection_set, fragments, visiting | {name}))
    return deepest


def _aliases(selection_set: SelectionSetNode | None) -> int:
    if selection_set is None:
        return 0
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode) and selection.alias is not None:
            count += 1
        count += _aliases(getattr(selection, "selection_set", None))
    return count


def complexity_rule(max_depth: int, max_aliases: int) -> type[ValidationRule]:
    class ComplexityLimits(ValidationRule):
        def enter_document(self, node: Any, *_args: Any) -> None:
            fragments = {
                definition.name.value: definition
                for definition in node.definitions
                if isinstance(definition, FragmentDefinitionNode)
            }
            aliases = sum(
                _aliases(definition.selection_set)
                for definition in node.definitions
                if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode)
            )
            if aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"The query uses {aliases} aliases; the limit is {max_aliases}.",
                        extensions={"code": CODE},
                    )
                )
            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                depth = _depth(definition.selection_set, fragments, frozenset())
                if depth > max_depth:
                    self.report_error(
                        GraphQLError(
                            f"The query is {depth} levels deep; the limit is {max_depth}.",
                            definition,
                            extensions={"code": CODE},
                        )
                    )

    return ComplexityLimits
