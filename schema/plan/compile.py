"""Compiling an operation's selection into a plan: which rows and relations to read, and the
shape every response object is written in.

A plan covers what dashboards send: `conversations` (with its edges, page info, total, event
cursor and, per conversation, every scalar, usage, visitor, rating, labels, assistant, variables,
variable, usage per model and message pages with their pricing and feedback), `conversation` and
`conversationCount`. Any other field, directive or type makes the whole
operation `NotCovered`, and it runs through the executor as before. Scalars are written by the
schema's own serializers and IDs and cursors by the resolvers' own encoders.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    visit,
)
from graphql.language import Visitor
from strawberry import Schema
from strawberry.types.base import get_object_definition

from resolvers.message import message_cursor
from schema.plan.collect import Collected, NotCoveredError, collect
from schema.plan.fields import (
    assistant,
    cursor,
    edges,
    events_cursor,
    message_page_of,
    type_reads,
    variable_of,
    variables_of,
)
from schema.plan.shape import Getter, Shape, attribute, constant
from schema.plan.slots import Slot
from schema.reads import ROOT, Read, RootRead

Entry = tuple[Getter, Shape | None, bool]
"""What a field compiles to: its getter, the shape of an object value, and whether it is a list."""


@dataclass
class Needs:
    """What the rows of one `conversations` field must be read with."""

    assistant: bool = False
    assistant_forms: bool = False
    variables: bool = False
    usage_by_model: bool = False
    total: bool = False
    labels: bool = False
    event_cursor: bool = False
    message_slots: list[int] | None = None


@dataclass(frozen=True)
class ListRoot:
    key: str
    slot: int
    connection: Shape
    needs: Needs


@dataclass(frozen=True)
class OneRoot:
    """`conversation(id:)`: one conversation, read as a list row is."""

    key: str
    slot: int
    node: Shape
    needs: Needs


@dataclass(frozen=True)
class CountRoot:
    key: str
    slot: int


@dataclass(frozen=True)
class ConstantRoot:
    key: str
    value: str


@dataclass(frozen=True)
class ReadRoot:
    """A root field with a read of its own (schema/reads.py `root`): its rows, written by the
    reads of their type (or as they are, for plain values)."""

    key: str
    slot: int
    read: RootRead
    shape: Shape | None
    many: bool
    visitor: bool
    shapes: Mapping[str, Shape] | None = None
    """For an interface (`node`): the shape of each type it may be, by name (the read answers
    `Typed`)."""


Root = ListRoot | OneRoot | CountRoot | ConstantRoot | ReadRoot


@dataclass(frozen=True)
class Plan:
    roots: tuple[Root, ...]
    slots: tuple[Slot, ...]

    @property
    def for_visitors(self) -> bool:
        """Whether a visitor may be answered by it: its roots show a visitor what they show
        anyone (a conversation's rows are the visitor's view, which only the executor writes)."""
        return all(
            isinstance(root, ConstantRoot) or (isinstance(root, ReadRoot) and root.visitor)
            for root in self.roots
        )


def keywords(**arguments: Any) -> dict[str, Any]:
    """A root read's arguments, as its slot hands them over."""
    return arguments


Readers = Mapping[str, Callable[..., Any]]
"""How each argument-taking field reads its converted arguments, by "Type.field"."""


class Compiler:
    """Compiles one operation for one set of `@skip`/`@include` decisions."""

    def __init__(
        self,
        schema: Schema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        readers: Readers,
    ) -> None:
        self.schema = schema
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.variables = variables
        self.readers = readers
        self.slots: list[Slot] = []

    def compile(self, operation: OperationDefinitionNode) -> Plan:
        if operation.operation is not OperationType.QUERY:
            raise NotCoveredError("not a query")
        query = self._type("Query")
        roots: list[Root] = []
        for item in self._collect([operation.selection_set], query):
            if item.name == "__typename":
                roots.append(ConstantRoot(item.key, "Query"))
            elif item.name == "conversations":
                roots.append(self._list_root(item))
            elif item.name == "conversation":
                needs = Needs(message_slots=[])
                slot = self._slot("Query", item)
                node = self._conversation_shape(item, needs)
                roots.append(OneRoot(key=item.key, slot=slot, node=node, needs=needs))
            elif item.name == "conversationCount":
                roots.append(CountRoot(item.key, self._slot("Query", item)))
            else:
                roots.append(self._read_root(item))
        return Plan(roots=tuple(roots), slots=tuple(self.slots))

    def _type(self, name: str) -> GraphQLObjectType:
        found = self.schema._schema.get_type(name)
        assert isinstance(found, GraphQLObjectType)
        return found

    def _collect(
        self, selection_sets: Sequence[SelectionSetNode], runtime: GraphQLObjectType
    ) -> list[Collected]:
        return collect(selection_sets, runtime, self.fragments, self.variables)

    def _slot(self, type_name: str, item: Collected, read: Callable[..., Any] | None = None) -> int:
        definition = self._type(type_name).fields[item.name]
        field = self.schema.get_field_for_type(item.name, type_name)
        assert field is not None
        self.slots.append(
            Slot(
                definition=definition,
                node=item.nodes[0],
                arguments=field.arguments,
                read=read or self.readers[f"{type_name}.{item.name}"],
            )
        )
        return len(self.slots) - 1

    def _read_root(self, item: Collected) -> ReadRoot:
        field = self.schema.get_field_for_type(item.name, "Query")
        read = field.metadata.get(ROOT) if field is not None and field.metadata else None
        if read is None:
            raise NotCoveredError(f"Query.{item.name}")
        value_type = self._type("Query").fields[item.name].type
        if is_non_null_type(value_type):
            value_type = value_type.of_type
        many = is_list_type(value_type)
        named = get_named_type(value_type)
        shape, shapes = None, None
        if isinstance(named, GraphQLInterfaceType):
            shapes = {
                kind.name: self._object(kind.name, item.selection_sets)
                for kind in self.schema._schema.get_possible_types(named)
            }
        elif not is_leaf_type(named):
            shape = self._object(named.name, item.selection_sets)
        return ReadRoot(
            key=item.key,
            slot=self._slot("Query", item, keywords),
            read=read,
            shape=shape,
            many=many,
            visitor=bool(field is not None and field.metadata.get("visitor")),
            shapes=shapes,
        )

    def _object(
        self,
        type_name: str,
        selection_sets: Sequence[SelectionSetNode],
        relation: Callable[[Collected], Entry | None] | None = None,
        own: Mapping[str, Getter] | None = None,
    ) -> Shape:
        """The shape of one object: each field by `relation` (the plan's own code for a relation
        or an argument), `own` (an envelope's getters) or the type's reads, in that order."""
        reads = type_reads(self.schema, type_name)
        fields: list[tuple[str, Getter, Shape | None, bool]] = []
        for item in self._collect(selection_sets, self._type(type_name)):
            if item.name == "__typename":
                fields.append((item.key, constant(type_name), None, False))
                continue
            entry = relation(item) if relation is not None else None
            if entry is None and own is not None and item.name in own:
                entry = own[item.name], None, False
            if entry is None and (read := reads.get(item.name)) is not None:
                entry = self._read(read, item)
            if entry is None:
                raise NotCoveredError(f"{type_name}.{item.name}")
            fields.append((item.key, *entry))
        return Shape(tuple(fields))

    def _read(self, read: Read, item: Collected) -> Entry:
        if read.nested is None:
            return read.json, None, False
        kind = get_object_definition(read.nested, strict=True).name
        return read.json, self._object(kind, item.selection_sets), read.many

    def _list_root(self, item: Collected) -> ListRoot:
        needs = Needs(message_slots=[])
        slot = self._slot("Query", item)

        def connection_field(field: Collected) -> Entry | None:
            if field.name == "edges":
                edge = self._object(
                    "ConversationEdge",
                    field.selection_sets,
                    lambda node: self._conversation_node(node, needs),
                    own={"cursor": cursor},
                )
                return edges, edge, True
            if field.name == "pageInfo":
                page_info = self._object("PageInfo", field.selection_sets)
                return attribute("page_info"), page_info, False
            if field.name == "totalCount":
                needs.total = True
                return attribute("total"), None, False
            if field.name == "eventCursor":
                needs.event_cursor = True
                return events_cursor, None, False
            return None

        connection = self._object("ConversationConnection", item.selection_sets, connection_field)
        return ListRoot(key=item.key, slot=slot, connection=connection, needs=needs)

    def _conversation_node(self, item: Collected, needs: Needs) -> Entry | None:
        if item.name != "node":
            return None
        return lambda pair, _bound: pair[0], self._conversation_shape(item, needs), False

    def _conversation_shape(self, item: Collected, needs: Needs) -> Shape:
        return self._object(
            "Conversation",
            item.selection_sets,
            lambda field: self._conversation_field(field, needs),
        )

    def _conversation_field(self, item: Collected, needs: Needs) -> Entry | None:
        """The relations a conversation's row is read with, and the fields with arguments."""
        name, selections = item.name, item.selection_sets
        if name == "labels":
            needs.labels = True
            return attribute("labels"), self._object("Label", selections), True
        if name == "assistant":
            needs.assistant = True
            shape = self._object("Assistant", selections, lambda field: self._form(field, needs))
            return assistant, shape, False
        if name == "usageByModel":
            needs.usage_by_model = True
            return attribute("usage_by_model"), self._object("ModelUsage", selections), True
        if name in ("variables", "variable"):
            needs.variables = True
            slot = self._slot("Conversation", item)
            shape = self._object("Variable", selections)
            if name == "variables":
                return variables_of(slot), shape, True
            return variable_of(slot), shape, False
        if name == "messages":
            slot = self._slot("Conversation", item)
            assert needs.message_slots is not None
            needs.message_slots.append(slot)
            return message_page_of(slot), self._message_connection(selections), False
        return None

    def _form(self, item: Collected, needs: Needs) -> Entry | None:
        """An assistant's form, variables and functions are read along only when asked for."""
        if item.name in ("preChatForm", "extractedVariables", "functions"):
            needs.assistant_forms = True
        return None

    def _message_connection(self, selections: Sequence[SelectionSetNode]) -> Shape:
        def edge_field(item: Collected) -> Entry | None:
            if item.name != "node":
                return None
            node = self._object("Message", item.selection_sets)
            return lambda message, _bound: message, node, False

        def connection_field(item: Collected) -> Entry | None:
            if item.name == "edges":
                edge = self._object(
                    "MessageEdge",
                    item.selection_sets,
                    edge_field,
                    own={"cursor": lambda message, _bound: message_cursor(message.sequence)},
                )
                return lambda pair, _bound: pair[0].rows, edge, True
            if item.name == "pageInfo":
                page_info = self._object("PageInfo", item.selection_sets)
                return lambda pair, _bound: pair[0].page_info, page_info, False
            if item.name == "totalCount":
                return lambda pair, _bound: pair[1], None, False
            return None

        return self._object("MessageConnection", selections, connection_field)


def directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables `@skip`/`@include` read anywhere in the document: a plan is compiled once
    per combination of their values."""
    found: dict[str, None] = {}

    class Finder(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            for argument in node.arguments or ():
                if isinstance(argument.value, VariableNode):
                    found[argument.value.name.value] = None

    visit(document, Finder())
    return tuple(found)
