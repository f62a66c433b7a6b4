"""The shape of a document over fragment expansion: depth, aliases and fields of each operation.

Each fragment is measured once and its figures reused wherever it is spread, so a document of
fragments that spread each other twice per level costs time linear in its length, not in its
expansion. A spread into a fragment that is still being measured (a cycle, which validation
refuses with NoFragmentCycles) and a spread of an unknown fragment count as nothing.
"""

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Shape:
    depth: int = 0
    """Levels of fields, introspection left out: the type system is as deep as it is."""
    aliases: int = 0
    """Aliased fields, each spread of a fragment counting its aliases again."""
    fields: int = 0
    """Field selections over the expansion, `__typename` included."""
    introspection_depth: int = 0
    """Levels below `__schema` or `__type`, counted on their own."""

    def __add__(self, other: "Shape") -> "Shape":
        return Shape(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.fields + other.fields,
            max(self.introspection_depth, other.introspection_depth),
        )


class _Measure:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.done: dict[str, Shape] = {}
        self.open: set[str] = set()

    def fragment(self, name: str) -> Shape:
        known = self.done.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            return Shape()
        self.open.add(name)
        shape = self.selections(definition.selection_set)
        self.open.discard(name)
        self.done[name] = shape
        return shape

    def selections(self, selection_set: SelectionSetNode | None) -> Shape:
        total = Shape()
        if selection_set is None:
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selections(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def field(self, node: FieldNode) -> Shape:
        inner = self.selections(node.selection_set)
        aliases = inner.aliases + (node.alias is not None)
        fields = inner.fields + 1
        name = node.name.value
        if name in INTROSPECTION_ROOTS:
            return Shape(0, aliases, fields, 1 + max(inner.depth, inner.introspection_depth))
        if name.startswith("__"):
            return Shape(0, aliases, fields, inner.introspection_depth)
        return Shape(1 + inner.depth, aliases, fields, inner.introspection_depth)


def measure(document: DocumentNode) -> dict[OperationDefinitionNode, Shape]:
    """Each operation's shape, in time linear in the document's length."""
    measuring = _Measure(document)
    return {
        definition: measuring.selections(definition.selection_set)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }
