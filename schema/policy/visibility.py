"""Who may read which field: the visitor's view, closed by default.

Secret keys read every field. A widget key and a visitor's session token (`Caller.visitor`)
read only the fields declared with `metadata=VISITOR`; a document selecting any other field is
refused whole, FORBIDDEN and naming the fields, before anything runs (schema/policy/documents.py). A
field added later is therefore closed to visitors until it is declared open, and a test walks the
whole schema to prove it. Which rows of an open field a visitor sees (messages by role, variables by
source) is the caller's own rule (`Caller.message_roles`, `Caller.variable_sources`).
"""

from collections.abc import Mapping
from types import MappingProxyType

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)

from resolvers.errors import ParleyError

VISITOR: Mapping[str, bool] = MappingProxyType({"visitor": True})
"""`strawberry.field(..., metadata=VISITOR)`: a widget key and a session token may read it."""
DEFINITION = "strawberry-definition"
"""Where strawberry keeps a graphql-core field's own definition (and so its metadata)."""

Field = tuple[str, str]
"""(type name, field name), as `Conversation.usage` is named in a refusal."""


def visitor_fields(schema: GraphQLSchema) -> frozenset[Field]:
    """Every field declared open to visitors. A field an object type takes from an interface
    (`id` from Node) is open on it only where the type has open fields of its own: `Node.id` opens
    `Conversation.id`, not `ApiKey.id`."""
    own: set[Field] = set()
    inherited: set[Field] = set()
    for type_ in schema.type_map.values():
        if type_.name.startswith("__") or not isinstance(
            type_, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for name, field in type_.fields.items():
            definition = (field.extensions or {}).get(DEFINITION)
            metadata = getattr(definition, "metadata", None) or {}
            if metadata.get("visitor") is not True:
                continue
            origin = getattr(getattr(definition, "origin", None), "__strawberry_definition__", None)
            from_interface = isinstance(type_, GraphQLObjectType) and getattr(
                origin, "is_interface", False
            )
            (inherited if from_interface else own).add((type_.name, name))
    readable = {type_ for type_, _ in own}
    return frozenset(own | {(type_, name) for type_, name in inherited if type_ in readable})


class _Collect(Visitor):
    def __init__(self, types: TypeInfo, found: set[Field], spreads: list[str]) -> None:
        super().__init__()
        self.types, self.found, self.spreads = types, found, spreads

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.types.get_parent_type()
        name = node.name.value
        if parent is not None and not name.startswith("__"):
            self.found.add((parent.name, name))

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.spreads.append(node.name.value)


def selected_fields(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> frozenset[Field]:
    """Every field the operation selects, through the fragments it spreads, by the type it is
    selected on (an interface's field by the interface: `Node.id`). Meta-fields are left to the
    introspection policy."""
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    found: set[Field] = set()
    spreads: list[str] = []
    seen: set[str] = set()
    pending: list[OperationDefinitionNode | FragmentDefinitionNode] = [operation]
    while pending:  # each fragment once: the document is valid, so this ends
        types = TypeInfo(schema)
        visit(pending.pop(), TypeInfoVisitor(types, _Collect(types, found, spreads)))
        for name in spreads:
            if name not in seen and name in fragments:
                seen.add(name)
                pending.append(fragments[name])
        spreads.clear()
    return frozenset(found)


def closed_to_visitors(selected: frozenset[Field], open_fields: frozenset[Field]) -> list[str]:
    """The selected fields a visitor may not read, sorted and named `Type.field`."""
    return sorted(f"{type_}.{field}" for type_, field in selected - open_fields)


def is_visitor(context: object) -> bool:
    """Whether the request comes from a widget key or a session token (a request without a
    valid key is refused by the fields it asks for, as before)."""
    caller = getattr(context, "caller", None)
    if caller is None:
        return False
    try:
        return bool(caller().visitor)
    except ParleyError:
        return False
