"""The edge refuses before it works: bodies bounded in size and time, the key checked before the
document is read, and a deadline on the whole request; each refusal is a GraphQL error body."""

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from server.settings import Settings
from subscriptions.broker import listener_dsn
from tests.support import factories
from tests.support.api import Api
from tests.support.database import BACKEND
from tests.support.servers import served
from tests.support.waiting import bounded
from tests.support.ws import open_socket

postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="needs PostgreSQL")
LIST = "{ conversations { totalCount } }"
START = """mutation($a: ID!) { startConversation(input: {assistantId: $a, preChat: []}) {
  conversation { id } } }"""


def _code(body: dict[str, object]) -> str:
    errors = body["errors"]
    assert isinstance(errors, list)
    return str(errors[0]["extensions"]["code"])


async def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(api: Api) -> None:
    _, key = await factories.workspace()
    huge = '{"query": "{ __typename }", "pad": "' + "x" * 300_000 + '"}'
    response = await api.client.post(
        "/graphql",
        content=huge,
        headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
    )
    assert response.status_code == 413
    assert _code(response.json()) == "BAD_USER_INPUT"
    assert "262,144 bytes" in response.json()["errors"][0]["message"]


async def test_a_chunked_body_without_length_is_cut_off_at_the_limit(api: Api) -> None:
    _, key = await factories.workspace()
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(1000):
            sent += 65536
            yield b"x" * 65536
        yield b'"}'

    response = await api.client.post(
        "/graphql",
        content=chunks(),
        headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
    )
    assert response.status_code == 413
    assert sent < 1_000_000  # refused after ~256 KB, not after the whole 64 MB


async def test_a_body_within_the_limit_is_served(api: Api) -> None:
    _, key = await factories.workspace()
    padded = '{"query": "{ __typename }", "pad": "' + "x" * 200_000 + '"}'
    response = await api.client.post(
        "/graphql",
        content=padded,
        headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}


async def test_no_key_is_refused_before_the_document_is_parsed(api: Api) -> None:
    """A broken document without a key answers UNAUTHENTICATED, not a syntax error: the
    document was never read."""
    for query in (
        "{ conversations { totalCount } }",
        "{ this is not graphql",
        "{ __schema { types { name } } }",
    ):
        result = await api(query)
        assert result.status == 401
        assert result.codes == ["UNAUTHENTICATED"]
        assert "data" not in result.body


async def test_a_bad_or_malformed_key_is_refused_before_the_document_is_parsed(
    api: Api,
) -> None:
    bad = await api("{ this is not graphql", key="sk_" + "0" * 43)
    assert (bad.status, bad.codes) == (401, ["UNAUTHENTICATED"])
    malformed = await api("{ __typename }", headers={"authorization": "Basic abc"})
    assert (malformed.status, malformed.codes) == (401, ["UNAUTHENTICATED"])
    assert "Bearer" in malformed.errors[0]["message"]


async def test_graphiql_opens_without_a_key(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assert "Every request needs a key" in page.text  # how to pass it, on the page itself
    query = await api.client.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"accept": "text/html"}
    )
    assert query.status_code == 401  # a query over GET is not the page: it needs a key


async def test_a_body_that_trickles_is_cut_off_with_408(settings: Settings) -> None:
    _, key = await factories.workspace()
    async with served(settings, env={"PARLEY_BODY_TIMEOUT_SECONDS": "1"}) as server:
        host, port = server.split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            writer.write(
                b"POST /graphql HTTP/1.1\r\nhost: parley\r\ncontent-type: application/json\r\n"
                b"content-length: 100\r\nauthorization: Bearer " + key.encode() + b"\r\n\r\n{"
            )
            await writer.drain()
            began = time.monotonic()
            async with bounded(10, "the server to answer a body that trickles"):
                head = await reader.readuntil(b"\r\n\r\n")
            waited = time.monotonic() - began
            assert head.startswith(b"HTTP/1.1 408")
            assert 0.8 < waited < 5
        finally:
            writer.close()


@asynccontextmanager
async def _hold_a_write_lock(settings: Settings) -> AsyncIterator[None]:
    """Blocks the server's writes to conversations until the block ends (a real lock)."""
    if BACKEND == "postgres":
        connection = await asyncpg.connect(listener_dsn(settings.database.url))
        schema = settings.database.url.rsplit("schema=", 1)[1]
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(f"LOCK TABLE {schema}.conversation IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            await transaction.rollback()
            await connection.close()
        return
    path = settings.database.url.removeprefix("sqlite://")
    database = sqlite3.connect(path, isolation_level=None)
    database.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        database.execute("ROLLBACK")
        database.close()


async def test_a_request_past_its_deadline_is_cancelled_with_timeout(
    settings: Settings,
) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    env = {"PARLEY_REQUEST_TIMEOUT_SECONDS": "1", "PARLEY_STATEMENT_TIMEOUT_MS": "0"}
    async with served(settings, env=env) as server, httpx.AsyncClient(timeout=20) as client:
        async with _hold_a_write_lock(settings):
            began = time.monotonic()
            response = await client.post(
                f"http://{server}/graphql",
                json={"query": START, "variables": {"a": _assistant_id(bot.id)}},
                headers={"authorization": f"Bearer {key}"},
            )
            waited = time.monotonic() - began
        assert response.status_code == 504
        assert _code(response.json()) == "TIMEOUT"
        assert 0.8 < waited < 4
        after = await client.post(
            f"http://{server}/graphql",
            json={"query": START, "variables": {"a": _assistant_id(bot.id)}},
            headers={"authorization": f"Bearer {key}"},
        )
        assert "errors" not in after.json(), after.json()  # nothing stuck behind it


@postgres_only
async def test_a_statement_past_the_statement_timeout_answers_timeout(
    settings: Settings,
) -> None:
    _, key = await factories.workspace()
    env = {"PARLEY_STATEMENT_TIMEOUT_MS": "300"}
    async with served(settings, env=env) as server, httpx.AsyncClient(timeout=20) as client:
        async with _hold_a_write_lock(settings):
            began = time.monotonic()
            response = await client.post(
                f"http://{server}/graphql",
                json={"query": LIST},
                headers={"authorization": f"Bearer {key}"},
            )
            waited = time.monotonic() - began
        body = response.json()
        assert _code(body) == "TIMEOUT", body
        assert "SELECT" not in str(body)  # the driver's text is not shown
        assert waited < 3


def _assistant_id(pk: int) -> str:
    from resolvers.ids import encode_id  # noqa: PLC0415

    return encode_id("Assistant", pk)


async def test_a_token_that_is_not_printable_ascii_is_refused_not_a_crash(
    api: Api, server_url: str
) -> None:
    raw = "Bearer sk_caf\u00e9".encode("latin-1")  # header bytes are latin-1 on the wire
    response = await api.client.post(
        "/graphql", json={"query": "{ __typename }"}, headers=[(b"authorization", raw)]
    )
    assert response.status_code == 401
    assert _code(response.json()) == "UNAUTHENTICATED"
    async with open_socket(server_url, init=False) as socket:
        await socket.send(
            {"type": "connection_init", "payload": {"authorization": "Bearer st_\ud800"}}
        )
        code, _ = await socket.closed(within=5)
    assert code == 4403


async def test_zero_turns_the_body_limits_off(settings: Settings) -> None:
    _, key = await factories.workspace()
    env = {"PARLEY_MAX_BODY_BYTES": "0", "PARLEY_BODY_TIMEOUT_SECONDS": "0"}
    padded = '{"query": "{ __typename }", "pad": "' + "x" * 400_000 + '"}'
    async with served(settings, env=env) as server, httpx.AsyncClient(timeout=20) as client:
        response = await client.post(
            f"http://{server}/graphql",
            content=padded,
            headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
        )
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}
