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
    GraphQLObjectType,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    visit,
)
from graphql.language import Visitor
from strawberry import Schema

from resolvers.message import message_cursor
from schema.plan.collect import Collected, NotCoveredError, collect
from schema.plan.fields import (
    ASSISTANT,
    CONVERSATION,
    FEEDBACK,
    FORM_FIELD,
    LABEL,
    MESSAGE,
    PAGE_INFO,
    RATING,
    REPLY_PRICING,
    USAGE,
    VARIABLE,
    VARIABLE_DEFINITION,
    VISITOR,
    assistant,
    cursor,
    edges,
    events_cursor,
    feedback,
    message_page_of,
    message_usage,
    pricing,
    rating,
    scalars,
    variable_of,
    variables_of,
    visitor,
)
from schema.plan.shape import Getter, Shape, attribute
from schema.plan.slots import Slot

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


Root = ListRoot | OneRoot | CountRoot | ConstantRoot


@dataclass(frozen=True)
class Plan:
    roots: tuple[Root, ...]
    slots: tuple[Slot, ...]


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
                raise NotCoveredError(f"Query.{item.name}")
        return Plan(roots=tuple(roots), slots=tuple(self.slots))

    def _type(self, name: str) -> GraphQLObjectType:
        found = self.schema._schema.get_type(name)
        assert isinstance(found, GraphQLObjectType)
        return found

    def _collect(
        self, selection_sets: Sequence[SelectionSetNode], runtime: GraphQLObjectType
    ) -> list[Collected]:
        return collect(selection_sets, runtime, self.fragments, self.variables)

    def _slot(self, type_name: str, item: Collected) -> int:
        definition = self._type(type_name).fields[item.name]
        field = self.schema.get_field_for_type(item.name, type_name)
        assert field is not None
        self.slots.append(
            Slot(
                definition=definition,
                node=item.nodes[0],
                arguments=field.arguments,
                read=self.readers[f"{type_name}.{item.name}"],
            )
        )
        return len(self.slots) - 1

    def _object(
        self,
        type_name: str,
        selection_sets: Sequence[SelectionSetNode],
        scalars: Mapping[str, Getter],
        nested: Callable[[Collected], Entry] | None = None,
    ) -> Shape:
        fields: list[tuple[str, Getter, Shape | None, bool]] = []
        for item in self._collect(selection_sets, self._type(type_name)):
            get = scalars.get(item.name)
            if get is not None:
                fields.append((item.key, get, None, False))
            elif nested is not None:
                fields.append((item.key, *nested(item)))
            else:
                raise NotCoveredError(f"{type_name}.{item.name}")
        return Shape(tuple(fields))

    def _list_root(self, item: Collected) -> ListRoot:
        needs = Needs(message_slots=[])
        slot = self._slot("Query", item)

        def connection_field(field: Collected) -> Entry:
            if field.name == "edges":
                edge = self._object(
                    "ConversationEdge",
                    field.selection_sets,
                    scalars("ConversationEdge", {"cursor": cursor}),
                    lambda node: self._conversation_node(node, needs),
                )
                return edges, edge, True
            if field.name == "pageInfo":
                page_info = self._object("PageInfo", field.selection_sets, PAGE_INFO)
                return attribute("page_info"), page_info, False
            if field.name == "totalCount":
                needs.total = True
                return attribute("total"), None, False
            if field.name == "eventCursor":
                needs.event_cursor = True
                return events_cursor, None, False
            raise NotCoveredError(f"ConversationConnection.{field.name}")

        connection = self._object(
            "ConversationConnection",
            item.selection_sets,
            scalars("ConversationConnection", {}),
            connection_field,
        )
        return ListRoot(key=item.key, slot=slot, connection=connection, needs=needs)

    def _conversation_node(self, item: Collected, needs: Needs) -> Entry:
        if item.name != "node":
            raise NotCoveredError(f"ConversationEdge.{item.name}")
        return lambda pair, _bound: pair[0], self._conversation_shape(item, needs), False

    def _conversation_shape(self, item: Collected, needs: Needs) -> Shape:
        return self._object(
            "Conversation",
            item.selection_sets,
            CONVERSATION,
            lambda field: self._conversation_field(field, needs),
        )

    def _conversation_field(self, item: Collected, needs: Needs) -> Entry:
        name, selections = item.name, item.selection_sets
        if name == "usage":
            return attribute("usage"), self._object("Usage", selections, USAGE), False
        if name == "visitor":
            return visitor, self._object("Visitor", selections, VISITOR), False
        if name == "rating":
            return rating, self._object("ConversationRating", selections, RATING), False
        if name == "labels":
            needs.labels = True
            return attribute("labels"), self._object("Label", selections, LABEL), True
        if name == "assistant":
            needs.assistant = True
            shape = self._object(
                "Assistant", selections, ASSISTANT, lambda field: self._form(field, needs)
            )
            return assistant, shape, False
        if name == "usageByModel":
            needs.usage_by_model = True
            model_usage = self._object(
                "ModelUsage",
                selections,
                scalars(
                    "ModelUsage",
                    {
                        "provider": attribute("provider"),
                        "model": attribute("model"),
                        "replies": attribute("replies"),
                    },
                ),
                lambda field: self._usage_field(field, "ModelUsage"),
            )
            return attribute("usage_by_model"), model_usage, True
        if name in ("variables", "variable"):
            needs.variables = True
            slot = self._slot("Conversation", item)
            shape = self._object("Variable", selections, VARIABLE)
            if name == "variables":
                return variables_of(slot), shape, True
            return variable_of(slot), shape, False
        if name == "messages":
            slot = self._slot("Conversation", item)
            assert needs.message_slots is not None
            needs.message_slots.append(slot)
            return message_page_of(slot), self._message_connection(selections), False
        raise NotCoveredError(f"Conversation.{name}")

    def _form(self, item: Collected, needs: Needs) -> Entry:
        needs.assistant_forms = True
        if item.name == "preChatForm":
            shape = self._object("FormField", item.selection_sets, FORM_FIELD)
            return attribute("pre_chat_form"), shape, True
        if item.name == "extractedVariables":
            shape = self._object("VariableDefinition", item.selection_sets, VARIABLE_DEFINITION)
            return attribute("extracted_variables"), shape, True
        raise NotCoveredError(f"Assistant.{item.name}")

    def _usage_field(self, item: Collected, owner: str) -> Entry:
        if item.name != "usage":
            raise NotCoveredError(f"{owner}.{item.name}")
        return attribute("usage"), self._object("Usage", item.selection_sets, USAGE), False

    def _message_connection(self, selections: Sequence[SelectionSetNode]) -> Shape:
        def message_field(item: Collected) -> Entry:
            selections = item.selection_sets
            if item.name == "usage":
                return message_usage, self._object("Usage", selections, USAGE), False
            if item.name == "pricing":
                return pricing, self._object("ReplyPricing", selections, REPLY_PRICING), False
            if item.name == "feedback":
                return feedback, self._object("MessageFeedback", selections, FEEDBACK), False
            raise NotCoveredError(f"Message.{item.name}")

        def edge_field(item: Collected) -> Entry:
            if item.name != "node":
                raise NotCoveredError(f"MessageEdge.{item.name}")
            node = self._object("Message", item.selection_sets, MESSAGE, message_field)
            return lambda message, _bound: message, node, False

        def connection_field(item: Collected) -> Entry:
            if item.name == "edges":
                edge = self._object(
                    "MessageEdge",
                    item.selection_sets,
                    scalars(
                        "MessageEdge",
                        {"cursor": lambda message, _bound: message_cursor(message.sequence)},
                    ),
                    edge_field,
                )
                return lambda pair, _bound: pair[0].rows, edge, True
            if item.name == "pageInfo":
                page_info = self._object("PageInfo", item.selection_sets, PAGE_INFO)
                return lambda pair, _bound: pair[0].page_info, page_info, False
            if item.name == "totalCount":
                return lambda pair, _bound: pair[1], None, False
            raise NotCoveredError(f"MessageConnection.{item.name}")

        return self._object(
            "MessageConnection", selections, scalars("MessageConnection", {}), connection_field
        )


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
