"""A visitor's view: a widget key or a session token reads the visitor's messages and the
assistant's, the visitor's own pre-chat answers and the rating, and nothing else.

The engine's SYSTEM prompts and TOOL results, what was extracted about the visitor, labels, costs
and every other field stay closed: a document asking for a closed field is refused whole before it
runs (FORBIDDEN, naming the fields), and the rows of an open field are the visitor's only. A walk
over the whole schema sends every field of every type to a session token, so a field added later
is closed by default.
"""

from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
)
from starlette.applications import Starlette

from models import Conversation
from models.enums import ApiKeyKind, MessageRole, VariableSource
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from resolvers.imports import MessageRecord
from resolvers.session import create_session
from schema.policy.visibility import visitor_fields
from tests.support import factories
from tests.support.api import Api
from tests.support.ws import Socket, open_socket

SECRET_PROMPT = "SYSTEM PROMPT: internal discount code SAVE50, offer it only to churning customers"
CRM_RESULT = '{"crm": "lifetime value 12,400 EUR, two open complaints"}'
READ = """query($id: ID!) { conversation(id: $id) {
  messages { edges { node { role content } } }
  variables { name value source }
  variable(name: "sentiment") { value } } }"""


async def _chat() -> tuple[str, str, str]:
    """A widget conversation as an engine records it, with its session token (as the widget
    keeps it) and the workspace's secret key: (conversation ID, token, secret)."""
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    row = await factories.conversation(
        workspace_id,
        bot.id,
        messages=[
            MessageRecord(
                role=MessageRole.SYSTEM, content=SECRET_PROMPT, created_at=factories.at(0)
            ),
            factories.said("My order never arrived", 1),
            MessageRecord(role=MessageRole.TOOL, content=CRM_RESULT, created_at=factories.at(2)),
            factories.reply("Sorry! I have sent a replacement.", 3),
        ],
        variables=[
            factories.variable("email", "ada@example.com"),
            factories.variable(
                "sentiment", "angry, likely to churn", source=VariableSource.EXTRACTED, minute=3
            ),
        ],
    )
    token = await create_session(row.id, 3600, datetime.now(UTC))
    return encode_id("Conversation", row.id), token, secret


async def test_a_session_token_reads_the_visitors_messages_and_answers_only(api: Api) -> None:
    conversation, token, secret = await _chat()
    seen = (await api(READ, {"id": conversation}, key=token)).data["conversation"]
    assert seen == {
        "messages": {
            "edges": [
                {"node": {"role": "USER", "content": "My order never arrived"}},
                {"node": {"role": "ASSISTANT", "content": "Sorry! I have sent a replacement."}},
            ]
        },
        "variables": [{"name": "email", "value": "ada@example.com", "source": "PRE_CHAT_FORM"}],
        "variable": None,
    }
    # The workspace's own key still reads the whole record.
    whole = (await api(READ, {"id": conversation}, key=secret)).data["conversation"]
    assert [edge["node"]["role"] for edge in whole["messages"]["edges"]] == [
        "SYSTEM",
        "USER",
        "TOOL",
        "ASSISTANT",
    ]
    assert {item["name"] for item in whole["variables"]} == {"email", "sentiment"}
    assert whole["variable"] == {"value": "angry, likely to churn"}


async def test_visitor_pages_of_messages_skip_what_is_hidden_and_page_on(api: Api) -> None:
    conversation, token, _ = await _chat()
    page = """query($id: ID!, $after: String) { conversation(id: $id) {
      messages(first: 1, after: $after) { edges { cursor node { role } }
        pageInfo { hasNextPage hasPreviousPage endCursor } } } }"""
    first = (await api(page, {"id": conversation}, key=token)).data["conversation"]["messages"]
    assert [edge["node"]["role"] for edge in first["edges"]] == ["USER"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    after = first["pageInfo"]["endCursor"]
    second = (await api(page, {"id": conversation, "after": after}, key=token)).data
    messages = second["conversation"]["messages"]
    assert [edge["node"]["role"] for edge in messages["edges"]] == ["ASSISTANT"]
    assert messages["pageInfo"]["hasNextPage"] is False
    assert messages["pageInfo"]["hasPreviousPage"] is True


@pytest.mark.parametrize(
    ("selection", "closed"),
    [
        ("labels { name }", ["Conversation.labels", "Label.name"]),
        ("usage { cost }", ["Conversation.usage", "Usage.cost"]),
        ("usageByModel { model } externalId",
         ["Conversation.externalId", "Conversation.usageByModel", "ModelUsage.model"]),
        ("messages { totalCount edges { node { usage { cost } model } } }",
         ["Message.model", "Message.usage", "MessageConnection.totalCount", "Usage.cost"]),
        ("variables { setByKeyId history { value } }",
         ["Variable.history", "Variable.setByKeyId", "VariableValue.value"]),
        ("...more", ["Assistant.name", "Conversation.assistant"]),
    ],
)  # fmt: skip
async def test_asking_for_more_is_refused_whole_and_names_what(
    api: Api, selection: str, closed: list[str]
) -> None:
    conversation, token, secret = await _chat()
    query = f"""query($id: ID!) {{ conversation(id: $id) {{ status {selection} }} }}
      fragment more on Conversation {{ assistant {{ name }} }}"""
    if "...more" not in selection:
        query = query.split("fragment", maxsplit=1)[0]
    refused = await api(query, {"id": conversation}, key=token)
    assert refused.codes == ["FORBIDDEN"]
    assert refused.errors[0]["extensions"]["fields"] == closed
    assert refused.body.get("data") is None
    for name in closed:
        assert name in refused.errors[0]["message"]
    assert (await api(query, {"id": conversation}, key=secret)).errors == []


async def test_through_node_and_a_widget_keys_mutation_too(api: Api) -> None:
    conversation, token, secret = await _chat()
    node = """query($id: ID!) { node(id: $id) { id ... on Conversation { status
      usageByModel { model } } } }"""
    refused = await api(node, {"id": conversation}, key=token)
    assert refused.errors[0]["extensions"]["fields"] == [
        "Conversation.usageByModel",
        "ModelUsage.model",
    ]
    # A widget key asking for costs in startConversation's answer starts nothing.
    workspace_id, _ = await factories.workspace("Shop")
    bot = await factories.assistant(workspace_id)
    _, widget_key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    start = """mutation($input: StartConversationInput!) { startConversation(input: $input) {
      sessionToken conversation { id usage { cost } } } }"""
    sent = {"input": {"assistantId": encode_id("Assistant", bot.id)}}
    refused = await api(start, sent, key=widget_key)
    assert refused.errors[0]["extensions"]["fields"] == ["Conversation.usage", "Usage.cost"]
    assert await Conversation.filter(workspace_id=workspace_id).count() == 0
    assert secret


async def test_the_live_messages_of_a_session_token_are_the_visitors_too(
    api: Api, server_url: str
) -> None:
    conversation, token, _ = await _chat()
    messages = """subscription($id: ID!) { messageAdded(conversationId: $id) {
      node { sequence role content } } }"""
    async with open_socket(server_url, key=token) as socket:
        await socket.subscribe("m", messages, {"id": conversation})
        seen = [(await socket.next("m"))["messageAdded"]["node"] for _ in range(2)]
        assert [(item["sequence"], item["role"]) for item in seen] == [
            (2, "USER"),
            (4, "ASSISTANT"),
        ]
        costs = """subscription($id: ID!) { messageAdded(conversationId: $id) {
          node { usage { cost } } } }"""
        await socket.subscribe("c", costs, {"id": conversation})
        refused = await socket.receive()
        assert refused["type"] == "error", refused
        assert refused["payload"][0]["extensions"]["fields"] == ["Message.usage", "Usage.cost"]
        await socket.subscribe("n", "subscription { conversationCount }")
        refused = await socket.receive()
        assert refused["payload"][0]["extensions"]["fields"] == ["Subscription.conversationCount"]


# The walk: every field of every type, sent to a session token by the shortest path from a root.

Step = tuple[str, str]
"""("field", "Type.name") or ("on", "Type"): how the path reaches the next type."""


def _literal(type_: GraphQLInputType, conversation: str) -> str:
    """A valid literal of an input type, so the document passes validation."""
    if isinstance(type_, GraphQLNonNull):
        return _literal(type_.of_type, conversation)
    if isinstance(type_, GraphQLList):
        return "[]"
    if isinstance(type_, GraphQLEnumType):
        return str(next(iter(type_.values)))
    if isinstance(type_, GraphQLInputObjectType):
        definition = (type_.extensions or {}).get("strawberry-definition")
        if getattr(definition, "is_one_of", False):  # exactly one of its fields
            name, field = next(iter(type_.fields.items()))
            return f"{{{name}: {_literal(GraphQLNonNull(field.type), conversation)}}}"
        required = [
            f"{name}: {_literal(field.type, conversation)}"
            for name, field in type_.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        ]
        return "{" + ", ".join(required) + "}"
    assert isinstance(type_, GraphQLScalarType)
    return {
        "ID": f'"{conversation}"',
        "Int": "1",
        "Float": "1.0",
        "Boolean": "false",
        "DateTime": '"2026-01-01T00:00:00+00:00"',
        "Decimal": '"1"',
    }.get(type_.name, '"x"')


def _arguments(field: GraphQLField, conversation: str) -> str:
    required = [
        f"{name}: {_literal(argument.type, conversation)}"
        for name, argument in field.args.items()
        if isinstance(argument.type, GraphQLNonNull) and argument.default_value is Undefined
    ]
    return f"({', '.join(required)})" if required else ""


def _document(schema: GraphQLSchema, root: str, path: list[Step], conversation: str) -> str:
    text = "{ __typename }"
    parent: GraphQLNamedType | None = None
    for kind, name in reversed(path):
        if kind == "on":
            text = f"{{ ... on {name} {text} }}"
            continue
        type_name, field_name = name.split(".")
        parent = schema.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
        field = parent.fields[field_name]
        leaf = not isinstance(
            get_named_type(field.type), GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType
        )
        inner = "" if leaf and text == "{ __typename }" else f" {text}"
        text = f"{{ {field_name}{_arguments(field, conversation)}{inner} }}"
    return f"{root} {text}"


def _paths(schema: GraphQLSchema) -> list[tuple[str, list[Step], list[str]]]:
    """(operation keyword, path, the path's fields) for every field of the schema, each by its
    shortest path from Query, else from Mutation, else from Subscription."""
    found: list[tuple[str, list[Step], list[str]]] = []
    roots = [
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
        ("subscription", schema.subscription_type),
    ]
    seen: set[str] = set()
    for keyword, root in roots:
        assert root is not None
        queue: list[tuple[GraphQLNamedType, list[Step]]] = [(root, [])]
        seen.add(root.name)
        while queue:
            type_, path = queue.pop(0)
            if isinstance(type_, GraphQLInterfaceType | GraphQLUnionType):
                for possible in schema.get_possible_types(type_):
                    if possible.name not in seen:
                        seen.add(possible.name)
                        queue.append((possible, [*path, ("on", possible.name)]))
            if not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
                continue
            for name, field in type_.fields.items():
                step = [*path, ("field", f"{type_.name}.{name}")]
                found.append((keyword, step, [n for kind, n in step if kind == "field"]))
                named = get_named_type(field.type)
                if named.name not in seen and not isinstance(named, GraphQLScalarType):
                    seen.add(named.name)
                    queue.append((named, step))
    return found


_ids = count()


async def _refusals(api: Api, socket: Socket, keyword: str, document: str, key: str) -> Any:
    """The errors that name refused fields, and all errors, of one document sent as a visitor:
    over HTTP, or as a subscription on the visitor's socket (completed after its first frame, or
    complete at once)."""
    if keyword != "subscription":
        answer = await api(document, key=key)
        return [e for e in answer.errors if "fields" in e.get("extensions", {})], answer.errors
    walk = f"walk-{next(_ids)}"
    await socket.subscribe(walk, document)
    frame = await socket.receive()
    while frame.get("id") != walk:  # the rest of an earlier walk's replay
        frame = await socket.receive()
    if frame["type"] == "complete":
        return [], []  # accepted, and over at once: the walk has ended the conversation by then
    if frame["type"] == "next":
        await socket.send({"id": walk, "type": "complete"})
    errors = frame["payload"] if frame["type"] == "error" else frame["payload"].get("errors", [])
    return [e for e in errors if "fields" in e.get("extensions", {})], errors


async def test_every_field_is_closed_to_visitors_unless_declared_open(
    api: Api, app: Starlette, server_url: str
) -> None:
    conversation, token, _ = await _chat()
    schema: GraphQLSchema = app.state.graphql_view.schema._schema
    open_fields = {f"{type_}.{field}" for type_, field in visitor_fields(schema)}
    walked: dict[str, bool] = {}
    async with open_socket(server_url, key=token) as socket:
        for keyword, path, fields in _paths(schema):
            closed = sorted(name for name in set(fields) if name not in open_fields)
            document = _document(schema, keyword, path, conversation)
            refusals, errors = await _refusals(api, socket, keyword, document, token)
            where = f"{fields[-1]} by {' > '.join(fields)}"
            if closed:
                assert refusals == errors, where
                assert [e["extensions"]["fields"] for e in refusals] == [closed], where
                assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"], where
            else:
                assert refusals == [], where
            walked[fields[-1]] = not closed
    # Every field of the schema was walked; what is open is exactly what was declared.
    every = {
        f"{type_.name}.{name}"
        for type_ in schema.type_map.values()
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
        and not type_.name.startswith("__")
        for name in type_.fields
    }
    assert set(walked) == every
    assert {name for name, was_open in walked.items() if was_open} <= open_fields
    # The types a visitor reads at all: opening a field of any other is a decision to review.
    assert {name.split(".")[0] for name in open_fields} == {
        "Query", "Mutation", "Subscription", "Node", "Conversation", "ConversationRating",
        "Visitor", "Message", "MessageConnection", "MessageEdge", "MessageFeedback", "PageInfo",
        "Variable", "WidgetAssistant", "FormField", "StartConversationPayload",
        "SendMessagePayload", "EndConversationPayload", "ReplyChunk", "MessageAgent",
    }  # fmt: skip
