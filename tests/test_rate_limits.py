"""What callers may do per minute or at once, counted where every server process sees it."""

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from models import Conversation, Message, RateCounter
from resolvers.limits.limiter import Limiter
from resolvers.limits.ratelimits import EdgeLimits, RateLimits
from server.edge.address import client_address, trusted_networks
from tests.support import factories
from tests.support.api import Api
from tests.support.ratelimiting import SEND, START, widget
from tests.support.ws import open_socket

HELLO = "{ conversations(first: 1) { totalCount } }"
COUNT = "subscription { conversationCount }"


async def test_a_widget_key_starts_ten_conversations_a_minute_per_visitor(
    api: Api, app: Starlette
) -> None:
    _, key, assistant = await widget(api)
    for _ in range(10):
        assert (await api(START, {"a": assistant}, key=key)).codes == []
    refused = await api(START, {"a": assistant}, key=key)
    assert refused.codes == ["RATE_LIMITED"]
    assert refused.errors[0]["extensions"]["retryAfter"] > 0
    assert await Conversation.all().count() == 10
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as client:
        elsewhere = await Api(client)(START, {"a": assistant}, key=key)
    assert elsewhere.codes == []  # another visitor is not held back


async def test_servers_with_secret_keys_are_not_held_to_widget_limits(api: Api) -> None:
    secret, _, assistant = await widget(api)
    for _ in range(12):
        assert (await api(START, {"a": assistant}, key=secret)).codes == []


async def test_a_session_sends_thirty_messages_a_minute(api: Api) -> None:
    _, key, assistant = await widget(api)
    started = (await api(START, {"a": assistant}, key=key)).data["startConversation"]
    token, conversation = started["sessionToken"], started["conversation"]["id"]
    for n in range(30):
        assert (await api(SEND, {"c": conversation, "id": f"m{n}"}, key=token)).codes == []
    refused = await api(SEND, {"c": conversation, "id": "m30"}, key=token)
    assert refused.codes == ["RATE_LIMITED"]
    assert await Message.all().count() == 30


def limits_of(app: Starlette) -> RateLimits:
    limits: RateLimits = app.state.rate_limits
    return limits


async def test_widget_starts_report_ratelimit_headers_and_retry_after(api: Api) -> None:
    _, key, assistant = await widget(api)
    response = await api.client.post(
        "/graphql",
        json={"query": START, "variables": {"a": assistant}},
        headers={"authorization": f"Bearer {key}"},
    )
    assert response.headers["ratelimit-limit"] == "10"
    assert response.headers["ratelimit-remaining"] == "9"
    assert 0 < int(response.headers["ratelimit-reset"]) <= 60
    assert "retry-after" not in response.headers
    for _ in range(9):
        await api(START, {"a": assistant}, key=key)
    refused = await api.client.post(
        "/graphql",
        json={"query": START, "variables": {"a": assistant}},
        headers={"authorization": f"Bearer {key}"},
    )
    assert refused.headers["ratelimit-remaining"] == "0"
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.json()["errors"][0]["extensions"]["retryAfter"] > 0


async def test_a_rotating_forwarded_for_header_is_ignored_when_no_proxy_is_trusted(
    api: Api,
) -> None:
    _, key, assistant = await widget(api)
    codes = [
        (
            await api(START, {"a": assistant}, key=key, headers={"x-forwarded-for": f"10.0.0.{n}"})
        ).codes
        for n in range(15)
    ]
    assert codes.count([]) == 10
    assert codes.count(["RATE_LIMITED"]) == 5


def _connection(peer: str, forwarded: str | None) -> HTTPConnection:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return HTTPConnection({"type": "http", "client": (peer, 1), "headers": headers})


def test_the_client_address_comes_from_forwarded_for_only_through_trusted_proxies() -> None:
    assert client_address(_connection("127.0.0.1", "6.6.6.6"), "") == "127.0.0.1"
    assert client_address(_connection("203.0.113.9", "6.6.6.6"), "10.0.0.0/8") == "203.0.113.9"
    proxied = _connection("10.1.2.3", "6.6.6.6, 198.51.100.4, 10.0.0.7")
    assert client_address(proxied, "10.0.0.0/8, ::1") == "198.51.100.4"  # not what it wrote
    assert client_address(_connection("10.1.2.3", None), "10.0.0.0/8") == "10.1.2.3"
    with pytest.raises(ValueError, match="not-an-ip"):
        trusted_networks("10.0.0.1, not-an-ip")


async def test_bad_keys_from_one_address_are_refused_before_any_lookup(
    api: Api, app: Starlette
) -> None:
    key, _, _ = await widget(api)
    limits_of(app).failed_auth.limit = 3
    try:
        for n in range(3):
            assert (await api(HELLO, key=f"sk_wrong{n}")).codes == ["UNAUTHENTICATED"]
        refused = await api(HELLO, key=key)  # even a good key: no lookup happens
        assert refused.codes == ["RATE_LIMITED"]
        assert refused.errors[0]["extensions"]["retryAfter"] > 0
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://parley.test") as other:
            assert (await Api(other)(HELLO, key=key)).codes == []
    finally:
        limits_of(app).failed_auth.limit = EdgeLimits().failed_auth_per_minute


async def test_a_secret_key_spends_cost_points_from_a_budget_per_minute(
    api: Api, app: Starlette
) -> None:
    secret, _, _ = await widget(api)
    limits_of(app).points.limit = 5
    try:
        for n in range(5):  # a query that costs nothing spends its request's point only
            result = await api.client.post(
                "/graphql",
                json={"query": "{ __typename }"},
                headers={"authorization": f"Bearer {secret}"},
            )
            assert "errors" not in result.json()
            assert result.headers["ratelimit-remaining"] == str(4 - n)
        refused = await api(HELLO, key=secret)
        assert refused.codes == ["RATE_LIMITED"]
    finally:
        limits_of(app).points.limit = EdgeLimits().points_per_minute


async def test_sockets_per_key_are_capped_with_4429(app: Starlette, server_url: str) -> None:
    _, secret = await factories.workspace()
    limits_of(app).sockets_per_key.cap = 2
    try:
        async with (
            open_socket(server_url, key=secret),
            open_socket(server_url, key=secret),
            open_socket(server_url, init=False) as third,
        ):
            await third.send(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {secret}"}}
            )
            assert (await third.closed())[0] == 4429
        async with open_socket(server_url, key=secret):  # closed ones are given back
            pass
    finally:
        limits_of(app).sockets_per_key.cap = EdgeLimits().ws_connections_per_key


async def test_sockets_per_address_are_capped_with_4429(app: Starlette, server_url: str) -> None:
    _, one = await factories.workspace()
    _, two = await factories.workspace()
    limits_of(app).sockets_per_address.cap = 1
    try:
        async with open_socket(server_url, key=one), open_socket(server_url, init=False) as second:
            await second.send(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {two}"}}
            )
            assert (await second.closed())[0] == 4429
    finally:
        limits_of(app).sockets_per_address.cap = EdgeLimits().ws_connections_per_address


async def test_expired_counters_are_swept(app: Starlette) -> None:
    limiter = Limiter(limits_of(app).store, "test", 2, period=0.05)
    verdict = await limiter.take("someone")
    assert verdict is not None
    assert verdict.allowed
    assert verdict.remaining == 1
    assert await RateCounter.filter(key="test:someone").count() == 1
    await asyncio.sleep(0.1)
    await limits_of(app).store.sweep()
    assert await RateCounter.filter(key="test:someone").count() == 0


async def test_operations_per_socket_are_capped_with_rate_limited(
    app: Starlette, server_url: str
) -> None:
    _, secret = await factories.workspace()
    view = app.state.graphql_view
    view.max_subscriptions_per_connection = 2
    try:
        async with open_socket(server_url, key=secret) as socket:
            for id in ("1", "2"):
                await socket.subscribe(id, COUNT)
                assert await socket.next(id) == {"conversationCount": 0}
            await socket.subscribe("3", COUNT)
            refused = await socket.receive()
            assert refused["id"] == "3"
            assert refused["type"] == "error"
            assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
            await socket.send({"id": "1", "type": "complete"})
            await socket.subscribe("4", COUNT)  # a completed one makes room
            assert await socket.next("4") == {"conversationCount": 0}
    finally:
        view.max_subscriptions_per_connection = EdgeLimits().subscriptions_per_socket


async def test_a_burst_of_guesses_at_once_gets_no_more_answers_than_the_limit(
    api: Api, app: Starlette
) -> None:
    limits_of(app).failed_auth.limit = 3
    try:
        results = await asyncio.gather(*(api(HELLO, key=f"sk_burst{n}") for n in range(12)))
        codes = sorted(code for result in results for code in result.codes)
        assert codes == ["RATE_LIMITED"] * 9 + ["UNAUTHENTICATED"] * 3
    finally:
        limits_of(app).failed_auth.limit = EdgeLimits().failed_auth_per_minute
