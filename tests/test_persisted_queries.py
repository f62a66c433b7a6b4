"""Automatic persisted queries (Apollo's protocol) over real HTTP: a hash alone runs a remembered
query or answers PersistedQueryNotFound; a hash with its query registers it once it proved valid.

The app is shared by the whole session, and so is its document cache: each test makes its queries
its own with a comment (`fresh`), so that none was remembered before it."""

import hashlib
import json
import uuid
from typing import Any

import httpx
import pytest
from graphql import parse

from models.enums import ConversationType
from schema.policy.cache import DIGEST_BYTES, Analysed, DocumentCache, weight
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api
from tests.support.servers import served

GRAPHQL_RESPONSE = "application/graphql-response+json"
COUNT = "query Count($types: [ConversationType!]) { conversationCount(filter: {types: $types}) }"
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}


def fresh(query: str) -> str:
    """The query with a comment no other request has sent."""
    return f"{query}\n# {uuid.uuid4().hex}"


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def persisted(digest: str, version: object = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


def headers(key: str | None, accept: str = GRAPHQL_RESPONSE) -> dict[str, str]:
    sent = {"accept": accept}
    if key is not None:
        sent["authorization"] = f"Bearer {key}"
    return sent


async def post(
    client: httpx.AsyncClient, key: str | None, body: dict[str, Any], accept: str = GRAPHQL_RESPONSE
) -> httpx.Response:
    return await client.post("/graphql", json=body, headers=headers(key, accept))


async def get(
    client: httpx.AsyncClient,
    key: str | None,
    extensions: object,
    query: str | None = None,
    variables: dict[str, Any] | None = None,
    accept: str = GRAPHQL_RESPONSE,
) -> httpx.Response:
    """A GET as Apollo's link sends a hashed query: each value JSON in the query string."""
    params = {"extensions": json.dumps(extensions)}
    if query is not None:
        params["query"] = query
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return await client.get("/graphql", params=params, headers=headers(key, accept))


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 200
    assert response.json() == NOT_FOUND
    assert response.headers["cache-control"] == "private, no-cache, must-revalidate"


def assert_refused(response: httpx.Response, message: str) -> None:
    assert response.status_code == 400
    body = response.json()
    assert [error["extensions"]["code"] for error in body["errors"]] == ["BAD_USER_INPUT"]
    assert message in body["errors"][0]["message"]


async def widget_workspace() -> str:
    """A workspace with two WEB_WIDGET conversations and one TEST, and its key."""
    workspace_id, key = await factories.workspace()
    assistant = await factories.assistant(workspace_id)
    for minute in (1, 2):
        await factories.conversation(workspace_id, assistant.id, minute=minute)
    await factories.conversation(workspace_id, assistant.id, minute=3, type=ConversationType.TEST)
    return key


async def test_the_apollo_flow_over_post(api: Api) -> None:
    key = await widget_workspace()
    query = fresh(COUNT)
    variables = {"types": ["WEB_WIDGET"]}
    hashed = {"extensions": persisted(sha256(query)), "variables": variables}
    assert_not_found(await post(api.client, key, hashed))
    registered = await post(api.client, key, {**hashed, "query": query})
    assert registered.status_code == 200
    assert registered.json()["data"] == {"conversationCount": 2}
    again = await post(api.client, key, hashed)
    assert again.status_code == 200
    assert again.json() == registered.json()  # the cost extension included
    other = await post(api.client, key, {**hashed, "variables": {"types": ["TEST"]}})
    assert other.json()["data"] == {"conversationCount": 1}
    plain = await post(api.client, key, hashed, accept="application/json")
    assert plain.json()["data"] == {"conversationCount": 2}


async def test_the_apollo_flow_over_get_with_variables(api: Api) -> None:
    key = await widget_workspace()
    query = fresh(COUNT)
    extensions = persisted(sha256(query))
    variables = {"types": ["WEB_WIDGET"]}
    assert_not_found(await get(api.client, key, extensions, variables=variables))
    registered = await get(api.client, key, extensions, query, variables)
    assert registered.status_code == 200
    assert registered.json()["data"] == {"conversationCount": 2}
    again = await get(api.client, key, extensions, variables={"types": ["TEST"]})
    assert again.status_code == 200
    assert again.json()["data"] == {"conversationCount": 1}


async def test_a_query_registered_over_post_runs_over_get(api: Api) -> None:
    key = await widget_workspace()
    query = fresh("{ conversationCount }")
    digest = sha256(query)
    registered = await post(api.client, key, {"query": query, "extensions": persisted(digest)})
    assert registered.json()["data"] == {"conversationCount": 3}
    # A client's hash in capitals names the same query; an old Apollo client accepts */*.
    hashed = await get(api.client, key, persisted(digest.upper()), accept="*/*")
    assert hashed.headers["content-type"].startswith("application/json")
    assert hashed.json()["data"] == {"conversationCount": 3}


async def test_a_query_sent_without_its_hash_is_not_persisted(api: Api) -> None:
    """Only what a client registered answers to its hash, as with Apollo."""
    _, key = await factories.workspace()
    query = fresh("{ conversationCount }")
    assert (await api(query, key=key)).data == {"conversationCount": 0}
    assert_not_found(await post(api.client, key, {"extensions": persisted(sha256(query))}))


async def test_a_hash_that_is_not_the_querys_is_refused_and_remembers_nothing(api: Api) -> None:
    _, key = await factories.workspace()
    query, other = fresh("{ conversationCount }"), fresh("{ __typename }")
    hijack = {"query": other, "extensions": persisted(sha256(query))}
    for accept in (GRAPHQL_RESPONSE, "application/json"):
        assert_refused(await post(api.client, key, hijack, accept), "provided sha does not match")
    assert_refused(
        await get(api.client, key, persisted(sha256(query)), other), "provided sha does not match"
    )
    for sent in (query, other):
        assert_not_found(await post(api.client, key, {"extensions": persisted(sha256(sent))}))


@pytest.mark.parametrize("version", [2, 0, "1", 1.5, True, None, [1]])
async def test_only_version_1_is_supported(api: Api, version: object) -> None:
    _, key = await factories.workspace()
    query = fresh("{ conversationCount }")
    body = {"query": query, "extensions": persisted(sha256(query), version)}
    assert_refused(await post(api.client, key, body), "Unsupported persisted query version")
    assert_refused(
        await get(api.client, key, body["extensions"], query), "Unsupported persisted query version"
    )


@pytest.mark.parametrize(
    ("extensions", "message"),
    [
        ("persistedQuery", "`extensions` must be an object"),
        ([{"persistedQuery": {}}], "`extensions` must be an object"),
        ({"persistedQuery": "abc"}, "`extensions.persistedQuery` must be an object"),
        ({"persistedQuery": [1]}, "`extensions.persistedQuery` must be an object"),
        ({"persistedQuery": {"version": 1}}, "must be 64 hexadecimal digits"),
        ({"persistedQuery": {"version": 1, "sha256Hash": 7}}, "must be 64 hexadecimal digits"),
        (persisted("ab" * 31), "must be 64 hexadecimal digits"),
        (persisted("ab" * 33), "must be 64 hexadecimal digits"),
        (persisted("g" * 64), "must be 64 hexadecimal digits"),
        (persisted("a" * 63 + "\n"), "must be 64 hexadecimal digits"),
        (persisted("x" * 10_000), "must be 64 hexadecimal digits"),
    ],
)
async def test_malformed_extensions_are_refused(api: Api, extensions: object, message: str) -> None:
    _, key = await factories.workspace()
    assert_refused(await post(api.client, key, {"extensions": extensions}), message)
    assert_refused(await get(api.client, key, extensions), message)


async def test_extensions_over_get_must_be_json(api: Api) -> None:
    _, key = await factories.workspace()
    response = await api.client.get(
        "/graphql", params={"extensions": "{persistedQuery"}, headers=headers(key)
    )
    assert_refused(response, "not valid JSON")


async def test_a_null_persisted_query_is_an_ordinary_request(api: Api) -> None:
    _, key = await factories.workspace()
    body = {"query": "{ conversationCount }", "extensions": {"persistedQuery": None}}
    assert (await post(api.client, key, body)).json()["data"] == {"conversationCount": 0}
    assert_refused(
        await post(api.client, key, {"extensions": {"persistedQuery": None}}), "No GraphQL query"
    )


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ conversations { nope } }", "BAD_USER_INPUT"),  # invalid
        ("{ conversationCount", "BAD_USER_INPUT"),  # not GraphQL
        ("{ " + "__typename " * 3001 + "}", "QUERY_TOO_COMPLEX"),  # past the token limit
        (
            "{ conversations { edges { node { messages { edges { node { conversation { "
            "messages { edges { node { conversation { id } } } } } } } } } } } }",
            "QUERY_TOO_COMPLEX",  # too deep
        ),
        ("{ a: conversationCount b: conversationCount }\n{ __typename }", "BAD_USER_INPUT"),
    ],
)
async def test_a_refused_document_is_not_remembered(api: Api, query: str, code: str) -> None:
    _, key = await factories.workspace()
    query = fresh(query)
    extensions = persisted(sha256(query))
    refused = await post(api.client, key, {"query": query, "extensions": extensions})
    assert refused.status_code == 400
    assert {error["extensions"]["code"] for error in refused.json()["errors"]} == {code}
    assert_not_found(await post(api.client, key, {"extensions": extensions}))


async def test_a_valid_document_is_remembered_even_when_its_request_fails(api: Api) -> None:
    """Validity is the document's; the caller's permissions and variables are checked per run."""
    _, key = await factories.workspace()
    query = fresh("query($id: ID!) { conversation(id: $id) { id } }")
    body = {"query": query, "extensions": persisted(sha256(query)), "variables": {"id": "nope"}}
    failed = await post(api.client, key, body)
    assert [error["extensions"]["code"] for error in failed.json()["errors"]] == ["BAD_USER_INPUT"]
    del body["query"]
    assert (await post(api.client, key, body)).json() == failed.json()


async def test_mutations_over_get_stay_refused(api: Api) -> None:
    _, key = await factories.workspace()
    mutation = fresh("mutation($id: ID!) { archiveAssistant(id: $id) { assistant { name } } }")
    extensions = persisted(sha256(mutation))
    variables = {"id": "QXNzaXN0YW50Ojk5OQ"}
    registered = await post(
        api.client, key, {"query": mutation, "extensions": extensions, "variables": variables}
    )
    assert registered.status_code == 200  # it ran (and found nothing): it is remembered
    over_get = await get(api.client, key, extensions, variables=variables)
    assert over_get.status_code == 405
    assert [error["extensions"]["code"] for error in over_get.json()["errors"]] == [
        "BAD_USER_INPUT"
    ]
    with_text = await get(api.client, key, extensions, mutation, variables)
    assert with_text.status_code == 405


async def test_a_hashed_request_without_a_key_is_refused_before_it_is_read(api: Api) -> None:
    _, key = await factories.workspace()
    query = fresh("{ conversationCount }")
    extensions = persisted(sha256(query))
    assert (await post(api.client, key, {"query": query, "extensions": extensions})).is_success
    for accept in ("text/html", "*/*", GRAPHQL_RESPONSE):
        anonymous = await get(api.client, None, extensions, accept=accept)
        assert anonymous.status_code == 401, accept  # not GraphiQL's page, which needs no key
        assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await post(api.client, None, {"extensions": extensions})).status_code == 401
    assert (await post(api.client, "sk_nope", {"extensions": extensions})).status_code == 401


async def test_a_hashed_get_from_a_browser_runs_instead_of_opening_graphiql(api: Api) -> None:
    _, key = await factories.workspace()
    query = fresh("{ conversationCount }")
    extensions = persisted(sha256(query))
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    assert_not_found(await get(api.client, key, extensions, accept=browser))
    await get(api.client, key, extensions, query, accept=browser)
    page = await get(api.client, key, extensions, accept=browser)
    assert page.json()["data"] == {"conversationCount": 0}
    only_html = await get(api.client, key, extensions, accept="text/html")
    assert only_html.status_code == 406  # JSON is all it could answer


def test_the_cache_forgets_a_hash_with_its_document() -> None:
    texts = [f"query Q{i} {{ conversationCount }}" for i in range(3)]
    entries = [Analysed(parse(text), 1, {}, frozenset()) for text in texts]
    each = weight(texts[0], entries[0].document) + DIGEST_BYTES
    cache = DocumentCache(2 * each)
    cache.persist(sha256(texts[0]), texts[0])  # not cached: not valid yet, so not remembered
    assert cache.persisted(sha256(texts[0])) is None
    for text, entry in zip(texts, entries, strict=True):
        cache.put(text, entry)
        cache.persist(sha256(text), text)
    assert cache.persisted(sha256(texts[0])) is None
    assert cache.get(texts[0]) is None
    assert [cache.persisted(sha256(text)) for text in texts[1:]] == texts[1:]
    assert cache.bytes == 2 * each
    cache.put(texts[0], entries[0])  # Q1 was used least recently: it leaves, with its hash
    assert cache.persisted(sha256(texts[1])) is None
    assert cache.persisted(sha256(texts[2])) == texts[2]


async def test_a_served_process_persists_over_get_within_its_bound(settings: Settings) -> None:
    """A real `parley serve`, whose document cache holds two of these queries: the third
    registered pushes the first out, and its client falls back once more."""
    _, key = await factories.workspace()
    texts = [f"query Q{i} {{ conversationCount }}" for i in range(3)]
    each = weight(texts[0], parse(texts[0])) + DIGEST_BYTES
    env = {"PARLEY_DOCUMENT_CACHE_BYTES": str(2 * each)}
    async with (
        served(settings, env=env) as server,
        httpx.AsyncClient(base_url=f"http://{server}", timeout=20) as client,
    ):
        for text in texts:
            extensions = persisted(sha256(text))
            assert_not_found(await get(client, key, extensions))
            registered = await get(client, key, extensions, text)
            assert registered.json()["data"] == {"conversationCount": 0}
            assert (await get(client, key, extensions)).json() == registered.json()
        assert_not_found(await get(client, key, persisted(sha256(texts[0]))))
        for text in texts[1:]:
            answer = await get(client, key, persisted(sha256(text)))
            assert answer.json()["data"] == {"conversationCount": 0}
