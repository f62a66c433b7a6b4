"""Compiling an operation's selection into a plan: which rows and relations to read, and the
shape every response object is written in.

A plan covers what dashboards send: `conversations` (with its edges, page info, total and, per
conversation, every scalar, usage, visitor, assistant, variables, variable, usage per model and
message pages) and `conversationCount`. Any other field, directive or type makes the whole
operation `NotCovered`, and it runs through the executor as before. Scalars are written by the
schema's own serializers and IDs and cursors by the resolvers' own encoders.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
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

from models.enums import VariableType
from resolvers.ids import encode_id
from resolvers.listing import ListedConversation, ListedMessage, ListedVariable, Listing
from resolvers.message import MessagePage, message_cursor
from resolvers.pagination import PageArgs
from resolvers.usage import CURRENCY, UsageTotals
from resolvers.variable import pick_variable
from schema.plan.collect import Collected, NotCoveredError, collect
from schema.plan.shape import Bound, Getter, Shape, attribute, constant
from schema.plan.slots import Slot
from schema.scalars import serialize_datetime, serialize_decimal

Entry = tuple[Getter, Shape | None, bool]
"""What a field compiles to: its getter, the shape of an object value, and whether it is a list."""


@dataclass
class Needs:
    """What the rows of one `conversations` field must be read with."""

    assistant: bool = False
    variables: bool = False
    usage_by_model: bool = False
    total: bool = False
    message_slots: list[int] | None = None


@dataclass(frozen=True)
class ListRoot:
    key: str
    slot: int
    connection: Shape
    needs: Needs


@dataclass(frozen=True)
class CountRoot:
    key: str
    slot: int


@dataclass(frozen=True)
class ConstantRoot:
    key: str
    value: str


Root = ListRoot | CountRoot | ConstantRoot


@dataclass(frozen=True)
class Plan:
    roots: tuple[Root, ...]
    slots: tuple[Slot, ...]


Readers = Mapping[str, Callable[..., Any]]
"""How each argument-taking field reads its converted arguments, by "Type.field"."""


def _time(value: datetime | None) -> str | None:
    return None if value is None else serialize_datetime(value)


def _duration(row: ListedConversation, _bound: Bound) -> float:
    until = row.ended_at or datetime.now(UTC)
    return max((until - row.started_at).total_seconds(), 0.0)


def _message_usage(message: ListedMessage, _bound: Bound) -> UsageTotals | None:
    if message.provider is None:
        return None
    return UsageTotals(
        input_tokens=message.input_tokens or 0,
        output_tokens=message.output_tokens or 0,
        cached_input_tokens=message.cached_input_tokens or 0,
        cost=message.cost if message.cost is not None else Decimal(0),
        cost_known=message.cost is not None,
    )


def _assistant(row: ListedConversation, _bound: Bound) -> Any:
    if row.assistant is None:
        raise NotCoveredError("a missing assistant is an error the executor writes")
    return row.assistant


def _visitor(row: ListedConversation, _bound: Bound) -> Any:
    return row if row.visitor_session_id is not None else None


def _scalars(type_name: str, table: Mapping[str, Getter]) -> dict[str, Getter]:
    return {"__typename": constant(type_name), **table}


USAGE = _scalars(
    "Usage",
    {
        "inputTokens": attribute("input_tokens"),
        "outputTokens": attribute("output_tokens"),
        "cachedInputTokens": attribute("cached_input_tokens"),
        "totalTokens": attribute("total_tokens"),
        "cost": attribute("cost", serialize_decimal),
        "costKnown": attribute("cost_known"),
        "currency": constant(CURRENCY),
    },
)
VISITOR = _scalars(
    "Visitor",
    {
        "sessionId": attribute("visitor_session_id"),
        "pageUrl": attribute("visitor_page_url"),
        "userAgent": attribute("visitor_user_agent"),
        "locale": attribute("visitor_locale"),
    },
)
ASSISTANT = _scalars(
    "Assistant",
    {
        "id": lambda item, _bound: encode_id("Assistant", item.id),
        "name": attribute("name"),
        "createdAt": attribute("created_at", serialize_datetime),
    },
)
FORM_FIELD = _scalars(
    "FormField",
    {
        "name": lambda item, _bound: item["name"],
        "label": lambda item, _bound: item.get("label", item["name"]),
        "type": lambda item, _bound: VariableType(item["type"]).value,
        "required": lambda item, _bound: bool(item.get("required", False)),
        "options": lambda item, _bound: item.get("options"),
        "pattern": lambda item, _bound: item.get("pattern"),
    },
)
VARIABLE_DEFINITION = _scalars(
    "VariableDefinition",
    {
        "name": lambda item, _bound: item["name"],
        "type": lambda item, _bound: VariableType(item["type"]).value,
        "description": lambda item, _bound: item.get("description"),
    },
)
"""An assistant's form and variables are JSON lists, read as `FormField.of` and
`VariableDefinition.of` read them."""
VARIABLE = _scalars(
    "Variable",
    {
        "name": attribute("name"),
        "value": attribute("value"),
        "type": attribute("type"),
        "source": attribute("source"),
        "collectedAt": attribute("collected_at", serialize_datetime),
    },
)
PAGE_INFO = _scalars(
    "PageInfo",
    {
        "hasNextPage": attribute("has_next_page"),
        "hasPreviousPage": attribute("has_previous_page"),
        "startCursor": attribute("start_cursor"),
        "endCursor": attribute("end_cursor"),
    },
)
MESSAGE = _scalars(
    "Message",
    {
        "id": lambda item, _bound: encode_id("Message", item.id),
        "sequence": attribute("sequence"),
        "role": attribute("role"),
        "content": attribute("content"),
        "createdAt": attribute("created_at", serialize_datetime),
        "model": attribute("model"),
        "provider": attribute("provider"),
    },
)
CONVERSATION = _scalars(
    "Conversation",
    {
        "id": lambda item, _bound: encode_id("Conversation", item.id),
        "type": attribute("type"),
        "mode": attribute("mode"),
        "status": attribute("status"),
        "startedAt": attribute("started_at", serialize_datetime),
        "lastActivityAt": attribute("last_activity_at", serialize_datetime),
        "endedAt": lambda item, _bound: _time(item.ended_at),
        "durationSeconds": _duration,
        "messageCount": attribute("message_count"),
    },
)


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
                    _scalars("ConversationEdge", {"cursor": _cursor}),
                    lambda node: self._conversation_node(node, needs),
                )
                return _edges, edge, True
            if field.name == "pageInfo":
                page_info = self._object("PageInfo", field.selection_sets, PAGE_INFO)
                return attribute("page_info"), page_info, False
            if field.name == "totalCount":
                needs.total = True
                return attribute("total"), None, False
            raise NotCoveredError(f"ConversationConnection.{field.name}")

        connection = self._object(
            "ConversationConnection",
            item.selection_sets,
            _scalars("ConversationConnection", {}),
            connection_field,
        )
        return ListRoot(key=item.key, slot=slot, connection=connection, needs=needs)

    def _conversation_node(self, item: Collected, needs: Needs) -> Entry:
        if item.name != "node":
            raise NotCoveredError(f"ConversationEdge.{item.name}")
        shape = self._object(
            "Conversation",
            item.selection_sets,
            CONVERSATION,
            lambda field: self._conversation_field(field, needs),
        )
        return lambda pair, _bound: pair[0], shape, False

    def _conversation_field(self, item: Collected, needs: Needs) -> Entry:
        name, selections = item.name, item.selection_sets
        if name == "usage":
            return attribute("usage"), self._object("Usage", selections, USAGE), False
        if name == "visitor":
            return _visitor, self._object("Visitor", selections, VISITOR), False
        if name == "assistant":
            needs.assistant = True
            return _assistant, self._object("Assistant", selections, ASSISTANT, self._form), False
        if name == "usageByModel":
            needs.usage_by_model = True
            model_usage = self._object(
                "ModelUsage",
                selections,
                _scalars(
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
                return _variables_of(slot), shape, True
            return _variable_of(slot), shape, False
        if name == "messages":
            slot = self._slot("Conversation", item)
            assert needs.message_slots is not None
            needs.message_slots.append(slot)
            return _message_page_of(slot), self._message_connection(selections), False
        raise NotCoveredError(f"Conversation.{name}")

    def _form(self, item: Collected) -> Entry:
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
            if item.name != "usage":
                raise NotCoveredError(f"Message.{item.name}")
            return _message_usage, self._object("Usage", item.selection_sets, USAGE), False

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
                    _scalars(
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
            "MessageConnection", selections, _scalars("MessageConnection", {}), connection_field
        )


def _edges(listing: Listing, _bound: Bound) -> Iterable[tuple[ListedConversation, Listing]]:
    return [(row, listing) for row in listing.rows]


def _cursor(pair: tuple[ListedConversation, Listing], _bound: Bound) -> str:
    return pair[1].window.cursor(pair[0])


def _variables_of(slot: int) -> Getter:
    def get(row: ListedConversation, bound: Bound) -> list[ListedVariable]:
        source = bound[slot]
        found = row.variables or []
        return [item for item in found if source is None or item.source == source]

    return get


def _variable_of(slot: int) -> Getter:
    def get(row: ListedConversation, bound: Bound) -> ListedVariable | None:
        return pick_variable(row.variables or [], bound[slot])

    return get


def _message_page_of(slot: int) -> Getter:
    def get(row: ListedConversation, bound: Bound) -> tuple[MessagePage[ListedMessage], int]:
        args: PageArgs = bound[slot]
        assert row.message_pages is not None
        return row.message_pages[args], row.message_count

    return get


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
