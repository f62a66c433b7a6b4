"""Every request that cannot be read as a GraphQL request still answers as GraphQL does: a JSON
body whose errors carry `extensions.code`, with 400 (415 for a content type other than JSON, 405
for a mutation over GET, 406 for an Accept header that takes no JSON), for both JSON media types."""

from typing import Any

import pytest

from tests.support import factories
from tests.support.api import Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
ACCEPTS = [GRAPHQL_RESPONSE, "application/json"]
DEEP = 100_000

BAD_BODIES = {
    "null": b"null",
    "number": b"5",
    "string": b'"x"',
    "true": b"true",
    "empty list": b"[]",
    "batch": b'[{"query": "{ __typename }"}]',
    "empty object": b"{}",
    "no query": b'{"query": null}',
    "query not a string": b'{"query": 5}',
    "variables not an object": b'{"query": "{ __typename }", "variables": [1]}',
    "operationName not a string": b'{"query": "{ __typename }", "operationName": 5}',
    "extensions not an object": b'{"query": "{ __typename }", "extensions": "x"}',
    "unknown operation": b'{"query": "query A { __typename }", "operationName": "B"}',
    "not json": b"{not json",
    "empty body": b"",
    "latin-1": '{"query": "{ __typename }", "x": "café"}'.encode("latin-1"),
    "invalid utf-8": b'{"query": "\xff\xfe"}',
    "utf-16": '{"query": "{ __typename }"}'.encode("utf-16"),
    "deep arrays": b"[" * DEEP + b"]" * DEEP,
    "deep objects": b'{"a":' * (DEEP // 3) + b"1" + b"}" * (DEEP // 3),
    "deep variables": b'{"query": "{ __typename }", "variables": {"v": '
    + b"[" * DEEP
    + b"]" * DEEP
    + b"}}",
}


def assert_graphql_error(
    response: Any, status: int, accept: str, code: str = "BAD_USER_INPUT"
) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(accept)
    body = response.json()
    assert set(body) == {"errors"}, body
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]
    assert body["errors"][0]["message"]
    assert "Traceback" not in response.text


@pytest.fixture
async def key() -> str:
    _, secret = await factories.workspace()
    return secret


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("name", list(BAD_BODIES))
async def test_bodies_that_are_no_graphql_request_are_400(
    api: Api, key: str, name: str, accept: str
) -> None:
    response = await api.client.post(
        "/graphql",
        content=BAD_BODIES[name],
        headers={
            "content-type": "application/json",
            "accept": accept,
            "authorization": f"Bearer {key}",
        },
    )
    assert_graphql_error(response, 400, accept)


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_other_content_types_are_415(
    api: Api, key: str, accept: str, content_type: str | None
) -> None:
    headers = {"accept": accept, "authorization": f"Bearer {key}"}
    if content_type:
        headers["content-type"] = content_type
    response = await api.client.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
    )
    assert_graphql_error(response, 415, accept)


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_mutations_over_get_are_405(api: Api, key: str, accept: str) -> None:
    response = await api.client.get(
        "/graphql",
        params={"query": 'mutation { revokeApiKey(id: "x") { id } }'},
        headers={"accept": accept, "authorization": f"Bearer {key}"},
    )
    assert_graphql_error(response, 405, accept)


@pytest.mark.parametrize(
    "params",
    [
        {"query": "{ __typename }", "variables": "{nope"},
        {"query": "{ __typename }", "variables": "5"},
        {"query": "{ __typename }", "variables": "[" * 5000},
        {"query": "{ __typename }", "extensions": "[]"},
        {"variables": "{}"},
    ],
)
@pytest.mark.parametrize("accept", ACCEPTS)
async def test_bad_get_parameters_are_400(
    api: Api, key: str, accept: str, params: dict[str, str]
) -> None:
    response = await api.client.get(
        "/graphql", params=params, headers={"accept": accept, "authorization": f"Bearer {key}"}
    )
    assert_graphql_error(response, 400, accept)


async def test_an_accept_header_without_json_is_406_with_a_json_body(api: Api, key: str) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"accept": "text/csv", "authorization": f"Bearer {key}"},
    )
    assert_graphql_error(response, 406, "application/json")


@pytest.mark.parametrize(
    "query",
    [
        "{",
        "query { conversationCount ",
        "{ a" * 2000 + " }" * 2000,
        "{ conversationCount(filter: {search: " + "[" * 2000 + "]" * 2000 + "}) }",
        "\ufeff{ __typename }",
    ],
    ids=["unclosed", "truncated", "deep selections", "deep list literal", "bom"],
)
@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), ("application/json", 200)])
async def test_documents_that_do_not_parse_are_request_errors_with_a_code(
    api: Api, key: str, query: str, accept: str, status: int
) -> None:
    """Syntax errors answer as validation errors do (tests/test_http.py): 400 with no data for
    graphql-response+json clients, 200 for plain JSON ones, always with a code."""
    response = await api.client.post(
        "/graphql",
        json={"query": query},
        headers={"accept": accept, "authorization": f"Bearer {key}"},
    )
    if query.startswith("\ufeff"):
        assert response.status_code == 200, response.text
        return
    assert_graphql_error(response, status, accept)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_with_a_graphql_error_body(api: Api, method: str) -> None:
    _, key = await factories.workspace()
    response = await api.client.request(
        method,
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"authorization": f"Bearer {key}"},
    )
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
