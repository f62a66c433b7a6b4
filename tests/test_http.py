"""GraphQL over HTTP as the GraphQL-over-HTTP spec and our clients expect it."""

import logging

import pytest
from graphql import GraphQLError, get_introspection_query

from schema.policy.errors import INTERNAL_MESSAGE, classify
from tests.support import factories
from tests.support.api import Api

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def test_request_errors_are_400_with_no_data_under_graphql_response_json(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api("{ conversations { nope } }", key=key)
    assert result.status == 400
    assert result.content_type.startswith(GRAPHQL_RESPONSE)
    assert "data" not in result.body
    assert result.codes == ["BAD_USER_INPUT"]
    assert "nope" in result.errors[0]["message"]


async def test_plain_json_clients_get_200_for_the_same_error(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api(
        "{ conversations { nope } }", key=key, headers={"accept": "application/json"}
    )
    assert result.status == 200
    assert result.content_type.startswith("application/json")
    assert result.codes == ["BAD_USER_INPUT"]


async def test_field_errors_are_200_with_partial_data(api: Api) -> None:
    _, key = await factories.workspace()
    bad_checksum = "Q29udmVyc2F0aW9uOjk5OZtV0Hc"  # well-formed base64
    result = await api(
        f'{{ conversationCount conversation(id: "{bad_checksum}") {{ id }} }}', key=key
    )
    assert result.status == 200
    assert result.body["data"] == {"conversationCount": 0, "conversation": None}
    assert result.codes == ["BAD_USER_INPUT"]


async def test_variable_coercion_errors_are_request_errors(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api(
        "query($f: ConversationFilter) { conversationCount(filter: $f) }",
        {"f": {"startedAfter": "yesterday"}},
        key=key,
    )
    assert result.status == 400
    assert result.codes == ["BAD_USER_INPUT"]
    assert "DateTime" in result.errors[0]["message"]


async def test_queries_work_over_get(api: Api) -> None:
    _, key = await factories.workspace()
    response = await api.client.get(
        "/graphql",
        params={"query": "{ conversationCount }"},
        headers={"authorization": f"Bearer {key}", "accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"conversationCount": 0}


async def test_an_unacceptable_accept_header_is_406(api: Api) -> None:
    _, key = await factories.workspace()
    response = await api.client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"accept": "text/csv", "authorization": f"Bearer {key}"},
    )
    assert response.status_code == 406


async def test_malformed_json_bodies_are_400(api: Api) -> None:
    _, key = await factories.workspace()
    response = await api.client.post(
        "/graphql",
        content=b"{not json",
        headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
    )
    assert response.status_code == 400


async def test_browsers_get_graphiql(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_too_deep_queries_are_refused_before_running(api: Api) -> None:
    _, key = await factories.workspace()
    deep = (
        "{ conversations { edges { node { messages { edges { node { conversation { "
        "messages { edges { node { conversation { assistant { name } } } } } } } } } } } } }"
    )
    result = await api(deep, key=key)
    assert result.status == 400
    assert result.codes == ["QUERY_TOO_COMPLEX"]


async def test_alias_floods_are_refused(api: Api) -> None:
    _, key = await factories.workspace()
    flood = "{ " + " ".join(f"a{i}: conversationCount" for i in range(31)) + " }"
    result = await api(flood, key=key)
    assert result.codes == ["QUERY_TOO_COMPLEX"]


async def test_graphiqls_introspection_query_is_not_too_deep(api: Api) -> None:
    _, key = await factories.workspace()
    result = await api(get_introspection_query(descriptions=True), key=key)
    assert result.status == 200
    assert result.data["__schema"]["queryType"]["name"] == "Query"


def test_unexpected_errors_are_masked_for_clients_and_logged_whole(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        raise RuntimeError("connection string postgres://secret@db leaked")
    except RuntimeError as bug:
        error = GraphQLError("connection string postgres://secret@db leaked", original_error=bug)
    with caplog.at_level(logging.ERROR, logger="parley.errors"):
        shown = classify(error)
    assert shown.message == INTERNAL_MESSAGE
    assert shown.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret" not in str(shown.formatted)
    assert caplog.records[0].exc_info is not None
    assert "leaked" in caplog.text


async def test_a_path_the_app_does_not_serve_is_not_found(api: Api) -> None:
    """`/` is the front page (tests/test_home.py); nothing else is served outside the routes."""
    response = await api.client.get("/nothing-here")
    assert response.status_code == 404
