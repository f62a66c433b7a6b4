"""Property-based fuzzing through the real app: no input to any mutation, filter, ordering, cursor
or ID yields a 5xx or INTERNAL_SERVER_ERROR, on either database.

Every property sends its generated input as variables (ASCII-escaped JSON, so NUL and lone
surrogates arrive as a raw client would send them); one also sends it as literals in the
document. The rows each property needs are made once per test: `clean_database` runs per test.
"""

import json
import os
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from tests.support.api import Api, Result
from tests.support.recording import EXTRACTED, FORM, shop
from tests.support.security import figures
from tests.support.security.hostile import ask
from tests.support.security.strategies import (
    cursors,
    datetimes,
    decimals,
    enum,
    ids,
    integers,
    json_values,
    keys_of,
    maybe,
    objects,
    one_hostile_field,
    text,
)
from tests.support.ws import open_socket

EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "100"))
"""Examples per property: 100 on the PostgreSQL leg, fewer on the SQLite one (the Makefile)."""
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class World:
    """One workspace with real rows to aim at, and every kind of caller."""

    secret: str
    read_only: str
    widget: str
    session: str
    assistant: str
    conversation: str
    api_key: str
    message_cursor: str
    conversation_cursor: str

    def ids(self) -> st.SearchStrategy[str]:
        real = [self.assistant, self.conversation, self.api_key]
        return st.one_of(st.sampled_from(real), ids)

    def callers(self) -> st.SearchStrategy[str | None]:
        return st.sampled_from([self.secret, self.read_only, self.widget, self.session, None])

    def cursors(self) -> st.SearchStrategy[str]:
        return st.one_of(st.sampled_from([self.message_cursor, self.conversation_cursor]), cursors)


async def make_world(api: Api) -> World:
    s = await shop()
    _, read_only = await create_api_key(
        s.workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ})
    )
    key_row, _ = await create_api_key(
        s.workspace_id, ApiKeyKind.SECRET, frozenset({ApiKeyScope.READ})
    )
    started = await ask(
        api,
        START,
        {"input": {"assistantId": s.assistant, "preChat": [{"name": "email", "value": "a@b.co"}]}},
        key=s.widget,
    )
    payload = started.data["startConversation"]
    conversation = payload["conversation"]["id"]
    for number in range(3):
        send = {"conversationId": conversation, "clientMessageId": f"c{number}", "content": "hi"}
        await ask(api, SEND, {"input": send}, key=payload["sessionToken"])
    pages = await ask(
        api,
        """query($id: ID!) { conversation(id: $id) { messages(first: 1) { pageInfo { endCursor } } }
           conversations(first: 1) { pageInfo { endCursor } } }""",
        {"id": conversation},
        key=s.secret,
    )
    return World(
        secret=s.secret,
        read_only=read_only,
        widget=s.widget,
        session=payload["sessionToken"],
        assistant=s.assistant,
        conversation=conversation,
        api_key=encode_id("ApiKey", key_row.id),
        message_cursor=pages.data["conversation"]["messages"]["pageInfo"]["endCursor"],
        conversation_cursor=pages.data["conversations"]["pageInfo"]["endCursor"],
    )


@pytest.fixture
async def world(api: Api) -> World:
    return await make_world(api)


def no_server_error(result: Result, what: str, sent: Any) -> None:
    figures.examples += 1
    internal = result.status >= 500 or "INTERNAL_SERVER_ERROR" in result.codes
    if internal:
        figures.failures += 1
    assert not internal, f"{what}: {result.status} {result.body} for {sent!r}"
    assert "data" in result.body or result.errors, result.body


async def check(
    api: Api, what: str, query: str, variables: dict[str, Any], key: str | None
) -> None:
    result = await ask(api, query, variables, key=key)
    no_server_error(result, what, variables)


START = """mutation($input: StartConversationInput!) { startConversation(input: $input) {
  sessionToken conversation { id type mode status visitor { sessionId pageUrl userAgent locale }
  variables { name value type source } } } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { id sequence content model provider usage { inputTokens outputTokens cost costKnown } }
  conversation { messageCount usage { inputTokens outputTokens cachedInputTokens cost } } } }"""
SET = """mutation($input: SetVariablesInput!) { setVariables(input: $input) {
  conversation { variables { name value type source } } } }"""
END = """mutation($id: ID!) { endConversation(conversationId: $id) { conversation { status } } }"""
ASSISTANT_FIELDS = "assistant { id name preChatForm { name label type required options pattern } "
ASSISTANT_FIELDS += "extractedVariables { name type description } }"
CREATE_ASSISTANT = f"""mutation($input: AssistantInput!) {{ createAssistant(input: $input) {{
  {ASSISTANT_FIELDS} }} }}"""
UPDATE_ASSISTANT = f"""mutation($id: ID!, $input: AssistantInput!) {{
  updateAssistant(id: $id, input: $input) {{ {ASSISTANT_FIELDS} }} }}"""
ARCHIVE_ASSISTANT = "mutation($id: ID!) { archiveAssistant(id: $id) { assistant { id } } }"
CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  secret apiKey { id kind scopes name prefix } } }"""
REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }"
LIST = """query($filter: ConversationFilter, $order: ConversationOrder, $first: Int, $after: String,
  $last: Int, $before: String) {
  conversations(filter: $filter, orderBy: $order, first: $first, after: $after, last: $last,
    before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id cost: usage { cost } messageCount startedAt } } }
  conversationCount(filter: $filter) }"""
READ = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String,
  $name: String!) {
  node(id: $id) { id __typename }
  conversation(id: $id) { id variable(name: $name) { value }
    messages(first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { startCursor endCursor } edges { cursor node { sequence } } } } }"""

variable_inputs = st.lists(
    objects({"name": text, "value": json_values}, ("name", "value")), max_size=3
)
visitor = objects(
    {"sessionId": text, "pageUrl": maybe(text), "userAgent": maybe(text), "locale": maybe(text)},
    ("sessionId",),
)
usage = objects(
    {
        "provider": st.one_of(st.just("openai"), text),
        "model": st.one_of(st.just("gpt-4o"), text),
        "inputTokens": integers,
        "outputTokens": integers,
        "cachedInputTokens": maybe(integers),
        "cost": maybe(decimals),
    },
    ("provider", "model", "inputTokens", "outputTokens"),
)
form_field = objects(
    {
        "name": st.one_of(st.just("email"), text),
        "label": text,
        "type": enum("TEXT", "EMAIL", "PHONE", "NUMBER", "BOOLEAN", "SELECT", "DATE"),
        "required": st.booleans(),
        "options": maybe(st.lists(text, max_size=4)),
        "pattern": maybe(text),
    },
    ("name", "label", "type"),
)
definition = objects(
    {"name": text, "type": enum("TEXT", "NUMBER", "BOOLEAN"), "description": maybe(text)},
    ("name", "type"),
)
assistant_input = objects(
    {
        "name": text,
        "preChatForm": maybe(st.lists(form_field, max_size=3)),
        "extractedVariables": maybe(st.lists(definition, max_size=3)),
        "allowedOrigins": maybe(st.lists(text, max_size=3)),
    },
    ("name",),
)
conversation_filter = objects(
    {
        "types": maybe(st.lists(enum("TEST", "WEB_WIDGET"), max_size=3)),
        "statuses": maybe(st.lists(enum("ACTIVE", "ENDED"), max_size=3)),
        "assistantIds": maybe(st.lists(keys_of(["Assistant", "Conversation"]), max_size=3)),
        "startedAfter": maybe(datetimes),
        "startedBefore": maybe(datetimes),
        "search": maybe(text),
        "variables": maybe(
            st.lists(
                objects(
                    {"name": text, "equals": json_values, "exists": maybe(st.booleans())}, ("name",)
                ),
                max_size=3,
            )
        ),
        "minCost": maybe(decimals),
        "maxCost": maybe(decimals),
    }
)
order = objects(
    {
        "field": enum("STARTED_AT", "LAST_ACTIVITY_AT", "COST", "MESSAGE_COUNT"),
        "direction": enum("ASC", "DESC"),
    },
    ("field", "direction"),
)
page_size = maybe(st.one_of(st.integers(-2, 102), integers))


@fuzz
@given(data=st.data())
async def test_start_conversation(api: Api, world: World, data: st.DataObject) -> None:
    start = objects(
        {
            "assistantId": world.ids(),
            "type": enum("TEST", "WEB_WIDGET"),
            "mode": enum("CHAT", "VOICE_AND_CHAT"),
            "preChat": maybe(variable_inputs),
            "visitor": maybe(visitor),
        },
        ("assistantId",),
    )
    key = data.draw(st.sampled_from([world.widget, world.secret, world.read_only, world.session]))
    await check(api, "startConversation", START, {"input": data.draw(start)}, key)
    valid = {
        "assistantId": world.assistant,
        "type": "TEST",
        "mode": "VOICE_AND_CHAT",
        "preChat": [{"name": "email", "value": "a@b.co"}, {"name": "plan", "value": "Pro"}],
        "visitor": {
            "sessionId": "v",
            "pageUrl": "https://shop.example/",
            "userAgent": "UA",
            "locale": "en-GB",
        },
    }
    variables = {"input": data.draw(one_hostile_field(valid))}
    await check(api, "startConversation (one field)", START, variables, world.secret)


@fuzz
@given(data=st.data())
async def test_send_message(api: Api, world: World, data: st.DataObject) -> None:
    send = objects(
        {
            "conversationId": world.ids(),
            "clientMessageId": text,
            "role": maybe(enum("USER", "ASSISTANT", "SYSTEM", "TOOL")),
            "content": text,
            "usage": maybe(usage),
        },
        ("conversationId", "clientMessageId", "content"),
    )
    key = data.draw(st.sampled_from([world.secret, world.session, world.widget]))
    await check(api, "sendMessage", SEND, {"input": data.draw(send)}, key)
    reply = {
        "conversationId": world.conversation,
        "clientMessageId": data.draw(st.uuids()).hex,
        "content": "It ships today.",
        "role": "ASSISTANT",
        "usage": {
            "provider": "openai",
            "model": "gpt-4o",
            "inputTokens": 10,
            "outputTokens": 5,
            "cachedInputTokens": 2,
            "cost": "0.01",
        },
    }
    variables = {"input": data.draw(one_hostile_field(reply))}
    await check(api, "sendMessage (one field)", SEND, variables, world.secret)
    said = {
        "conversationId": world.conversation,
        "clientMessageId": data.draw(st.uuids()).hex,
        "content": "Where is my order?",
    }
    variables = {"input": data.draw(one_hostile_field(said))}
    await check(api, "sendMessage (visitor, one field)", SEND, variables, world.session)


@fuzz
@given(data=st.data())
async def test_set_variables_and_end(api: Api, world: World, data: st.DataObject) -> None:
    names = st.one_of(st.sampled_from([row["name"] for row in EXTRACTED]), text)
    variables = st.lists(
        objects({"name": names, "value": json_values}, ("name", "value")), max_size=4
    )
    payload = {"conversationId": data.draw(world.ids()), "variables": data.draw(variables)}
    await check(api, "setVariables", SET, {"input": payload}, data.draw(world.callers()))
    valid = {
        "conversationId": world.conversation,
        "variables": [
            {"name": "order_number", "value": "A1"},
            {"name": "satisfied", "value": True},
        ],
    }
    variables_in = {"input": data.draw(one_hostile_field(valid))}
    await check(api, "setVariables (one field)", SET, variables_in, world.secret)
    if data.draw(st.booleans()):
        await check(
            api, "endConversation", END, {"id": data.draw(world.ids())}, data.draw(world.callers())
        )


@fuzz
@given(data=st.data())
async def test_assistants(api: Api, world: World, data: st.DataObject) -> None:
    spec = data.draw(st.one_of(assistant_input, st.just({"name": "Bot", "preChatForm": FORM})))
    key = data.draw(world.callers())
    kind = data.draw(st.sampled_from(["create", "update", "archive"]))
    if kind == "create":
        await check(api, "createAssistant", CREATE_ASSISTANT, {"input": spec}, key)
    elif kind == "update":
        variables = {"id": data.draw(world.ids()), "input": spec}
        await check(api, "updateAssistant", UPDATE_ASSISTANT, variables, key)
    else:
        await check(api, "archiveAssistant", ARCHIVE_ASSISTANT, {"id": data.draw(ids)}, key)
    valid = {
        "name": "Support bot",
        "preChatForm": [
            {"name": "email", "label": "Email", "type": "EMAIL", "required": True},
            {"name": "plan", "label": "Plan", "type": "SELECT", "options": ["Free", "Pro"]},
            {"name": "code", "label": "Code", "type": "TEXT", "pattern": "[A-Z]{2}[0-9]+"},
        ],
        "extractedVariables": [{"name": "order_number", "type": "TEXT", "description": "Order"}],
        "allowedOrigins": ["https://shop.example"],
    }
    spec = data.draw(one_hostile_field(valid))
    if data.draw(st.booleans()):
        await check(
            api, "createAssistant (one field)", CREATE_ASSISTANT, {"input": spec}, world.secret
        )
    else:
        variables = {"id": world.assistant, "input": spec}
        await check(api, "updateAssistant (one field)", UPDATE_ASSISTANT, variables, world.secret)


@fuzz
@given(data=st.data())
async def test_api_keys(api: Api, world: World, data: st.DataObject) -> None:
    key_input = objects(
        {
            "kind": enum("SECRET", "PUBLISHABLE"),
            "scopes": maybe(st.lists(enum("READ", "WRITE"), max_size=3)),
            "assistantId": maybe(world.ids()),
            "name": maybe(text),
        },
        ("kind",),
    )
    key = data.draw(world.callers())
    await check(api, "createApiKey", CREATE_KEY, {"input": data.draw(key_input)}, key)
    kinds: list[dict[str, Any]] = [
        {"kind": "PUBLISHABLE", "assistantId": world.assistant, "name": "Widget"},
        {"kind": "SECRET", "scopes": ["READ", "WRITE"], "name": "Server"},
    ]
    valid = data.draw(st.sampled_from(kinds))
    variables = {"input": data.draw(one_hostile_field(valid))}
    await check(api, "createApiKey (one field)", CREATE_KEY, variables, world.secret)
    if data.draw(st.booleans()):
        revoked = data.draw(st.one_of(ids, st.just(encode_id("ApiKey", 10**6))))
        await check(api, "revokeApiKey", REVOKE_KEY, {"id": revoked}, key)


@fuzz
@given(data=st.data())
async def test_conversation_lists(api: Api, world: World, data: st.DataObject) -> None:
    variables = {
        "filter": data.draw(maybe(conversation_filter)),
        "order": data.draw(maybe(order)),
        "first": data.draw(page_size),
        "after": data.draw(maybe(world.cursors())),
        "last": data.draw(page_size),
        "before": data.draw(maybe(world.cursors())),
    }
    key = data.draw(st.sampled_from([world.secret, world.read_only, world.session]))
    await check(api, "conversations", LIST, variables, key)
    valid = {
        "filter": {
            "types": ["WEB_WIDGET"],
            "statuses": ["ACTIVE"],
            "assistantIds": [world.assistant],
            "startedAfter": "2020-01-01T00:00:00Z",
            "startedBefore": "2100-01-01T00:00:00+01:00",
            "search": "hi",
            "variables": [{"name": "email", "equals": "a@b.co"}, {"name": "plan", "exists": False}],
            "minCost": "0",
            "maxCost": "10.5",
        },
        "order": {"field": "COST", "direction": "ASC"},
        "first": 2,
        "after": world.conversation_cursor,
    }
    await check(
        api, "conversations (one field)", LIST, data.draw(one_hostile_field(valid)), world.secret
    )


@fuzz
@given(data=st.data())
async def test_ids_cursors_and_message_pages(api: Api, world: World, data: st.DataObject) -> None:
    variables = {
        "id": data.draw(world.ids()),
        "first": data.draw(page_size),
        "after": data.draw(maybe(world.cursors())),
        "last": data.draw(page_size),
        "before": data.draw(maybe(world.cursors())),
        "name": data.draw(st.one_of(st.just("email"), text)),
    }
    key = data.draw(st.sampled_from([world.secret, world.read_only, world.session]))
    await check(api, "node/conversation/messages", READ, variables, key)
    valid = {"id": world.conversation, "first": 2, "after": world.message_cursor, "name": "email"}
    await check(api, "messages (one field)", READ, data.draw(one_hostile_field(valid)), key)


def literal(value: Any) -> str:
    """A GraphQL literal for a JSON value (JSON string escapes are GraphQL's)."""
    if isinstance(value, dict):
        fields = ", ".join(f"{name}: {literal(item)}" for name, item in value.items())
        return "{" + fields + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if value is None:
        return "null"
    return json.dumps(value)


@fuzz
@given(data=st.data())
async def test_the_same_inputs_as_literals(api: Api, world: World, data: st.DataObject) -> None:
    """Literals take the parser's path (escapes, numbers, enums as strings) instead of JSON's."""
    filter_value = data.draw(conversation_filter)
    names = [name for name in filter_value if name.isidentifier()]
    value = {name: filter_value[name] for name in names}
    query = f"{{ conversationCount(filter: {literal(value)}) }}"
    result = await ask(api, query, key=world.secret)
    no_server_error(result, "conversationCount literal", query)
    search = data.draw(text)
    query = f"{{ conversations(filter: {{search: {json.dumps(search)}}}) {{ totalCount }} }}"
    result = await ask(api, query, key=world.secret)
    no_server_error(result, "search literal", query)


LIVE = {
    "messageAdded": """subscription($id: ID!, $after: String) {
      messageAdded(conversationId: $id, after: $after) { cursor node { sequence } } }""",
    "conversationEvents": """subscription($filter: ConversationFilter, $after: String) {
      conversationEvents(filter: $filter, after: $after) { cursor kind } }""",
    "conversationCount": """subscription($filter: ConversationFilter) {
      conversationCount(filter: $filter) }""",
}
QUIET_SECONDS = 0.2
"""How long a subscription that answers nothing at once is given before it is completed."""


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_live_subscriptions_over_websockets(
    api: Api, world: World, server_url: str, data: st.DataObject
) -> None:
    """Subscription IDs, cursors (event cursors too) and filters, on one socket: no 4500 close
    and no INTERNAL_SERVER_ERROR payload."""
    name = data.draw(st.sampled_from(sorted(LIVE)))
    variables = {
        "id": data.draw(world.ids()),
        "after": data.draw(maybe(world.cursors())),
        "filter": data.draw(maybe(conversation_filter)),
    }
    valid = {
        "id": world.conversation,
        "after": world.message_cursor if name == "messageAdded" else None,
        "filter": {
            "search": "hi",
            "statuses": ["ACTIVE"],
            "minCost": "0",
            "variables": [{"name": "email", "equals": "a@b.co"}],
        },
    }
    if data.draw(st.booleans()):
        variables = data.draw(one_hostile_field(valid))
    wanted = {"messageAdded": ("id", "after"), "conversationEvents": ("filter", "after")}
    sent = {key: variables[key] for key in wanted.get(name, ("filter",))}
    async with open_socket(server_url, key=world.secret) as socket:
        await socket.subscribe("1", LIVE[name], sent)
        try:
            message = await socket.receive(QUIET_SECONDS)
        except TimeoutError:
            message = {"type": "next", "payload": {"data": None}}
        codes = [
            (error.get("extensions") or {}).get("code")
            for error in (
                message["payload"]
                if message.get("type") == "error"
                else (message.get("payload") or {}).get("errors") or []
            )
        ]
        await socket.send({"id": "1", "type": "complete"})
        await socket.send({"type": "ping"})
        closed = socket.connection.close_code
    figures.examples += 1
    failed = "INTERNAL_SERVER_ERROR" in codes or closed == 4500
    figures.failures += failed
    assert not failed, f"{name}: {message} (closed {closed}) for {sent!r}"
