"""`__schema` and `__type` answer secret keys only (PARLEY_INTROSPECTION=secret, the default);
widget keys and session tokens are FORBIDDEN, requests without a key UNAUTHENTICATED."""

from dataclasses import replace

import httpx
from graphql import get_introspection_query

from models.enums import ApiKeyKind, ApiKeyScope
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from schema.policy.documents import DocumentLimits
from schema.policy.introspection import Introspection
from schema.schema import build_schema
from server.app import create_app
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.live import START

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "Conversation") { fields { name } } }'
IN_A_FRAGMENT = "{ ...Peek } fragment Peek on Query { __schema { types { name } } }"


async def widget_and_session(api: Api) -> tuple[str, str]:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    _, widget = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset({ApiKeyScope.WRITE}), assistant_id=bot.id
    )
    started = await api(START, {"input": {"assistantId": encode_id("Assistant", bot.id)}}, key=key)
    return widget, started.data["startConversation"]["sessionToken"]


async def test_secret_keys_may_introspect(api: Api) -> None:
    _, key = await factories.workspace()
    assert (await api(SCHEMA, key=key)).data == {"__schema": {"queryType": {"name": "Query"}}}
    assert {"id", "messages"} <= {
        field["name"] for field in (await api(TYPE, key=key)).data["__type"]["fields"]
    }
    full = await api(get_introspection_query(descriptions=True), key=key)
    assert full.data["__schema"]["queryType"]["name"] == "Query"


async def test_widget_keys_and_session_tokens_may_not(api: Api) -> None:
    widget, session = await widget_and_session(api)
    for token in (widget, session):
        for document in (SCHEMA, TYPE, IN_A_FRAGMENT):
            result = await api(document, key=token, headers={"origin": "https://shop.example"})
            assert result.codes == ["FORBIDDEN"], (token[:3], document)
            assert "data" not in result.body


async def test_requests_without_a_key_may_not(api: Api) -> None:
    result = await api(SCHEMA)
    assert result.codes == ["UNAUTHENTICATED"]
    assert "data" not in result.body


async def test_typename_is_not_introspection(api: Api) -> None:
    widget, session = await widget_and_session(api)
    for token in (widget, session):
        result = await api("{ __typename }", key=token, headers={"origin": "https://shop.example"})
        assert result.data == {"__typename": "Query"}


async def test_introspection_can_be_opened_to_all_or_closed_to_all() -> None:
    opened = build_schema(DocumentLimits(introspection=Introspection.ALL))
    result = await opened.execute(SCHEMA)
    assert result.errors is None
    assert result.data == {"__schema": {"queryType": {"name": "Query"}}}
    closed = build_schema(DocumentLimits(introspection=Introspection.NONE))
    result = await closed.execute(SCHEMA)
    assert result.data is None
    assert [error.extensions for error in result.errors or []] == [{"code": "FORBIDDEN"}]


async def test_graphiql_is_not_served_where_no_one_may_introspect(settings: Settings) -> None:
    closed = create_app(
        replace(
            settings,
            documents=replace(
                settings.documents,
                limits=replace(settings.documents.limits, introspection=Introspection.NONE),
            ),
        )
    )
    transport = httpx.ASGITransport(app=closed)
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        response = await client.get("/graphql", headers={"accept": "text/html"})
    assert "graphiql" not in response.text.lower()
    assert response.status_code >= 400
