"""A database that goes away and comes back, between a real server process and its PostgreSQL: the
server answers 503 UNAVAILABLE, closes live subscribers with a retryable code, and serves again
once the database is back; a subscriber that resumes by cursor misses nothing and sees nothing
twice."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from server.settings import Settings
from subscriptions.closecodes import UNAVAILABLE
from tests.support import factories
from tests.support.api import Api
from tests.support.database import BACKEND
from tests.support.live import COUNT, MESSAGES, Desk
from tests.support.relay import Relay
from tests.support.servers import served
from tests.support.ws import open_socket

pytestmark = [
    pytest.mark.heavy,  # a fault test: once, on the PostgreSQL leg
    pytest.mark.skipif(
        BACKEND != "postgres", reason="cuts a TCP connection to PostgreSQL (SQLite is a file)"
    ),
]
QUERY = "{ conversations(first: 1) { edges { node { id } } } }"
WITHIN = 10.0
"""The bound on every wait for the server to notice a change."""


def via_relay(database_url: str, port: int) -> str:
    """The same URL (user, database, `?schema=` of this run) through the relay's port."""
    parts = urlsplit(database_url)
    user = parts.netloc.rpartition("@")[0]
    netloc = f"{user}@127.0.0.1:{port}" if user else f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def until(check: Callable[[], Awaitable[bool]], within: float = WITHIN) -> float:
    """Seconds until `check` is true, polling; fails past `within`."""
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < within, (
            f"{check.__qualname__} still false after {within} s"
        )
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def ask(client: httpx.AsyncClient, server: str, key: str) -> httpx.Response:
    return await client.post(
        f"http://{server}/graphql",
        json={"query": QUERY},
        headers={"authorization": f"Bearer {key}", "accept": "application/json"},
        timeout=WITHIN,
    )


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body.get("data") is None, body
    assert body["errors"], body
    assert {error["extensions"]["code"] for error in body["errors"]} == {"UNAVAILABLE"}, body
    assert "retry-after" in response.headers


async def test_a_database_that_goes_away_answers_503_and_live_subscribers_resume_by_cursor(
    api: Api, settings: Settings
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    _, fresh_key = await factories.workspace("Never seen by the server")
    target = urlsplit(settings.database.url)
    relay = Relay(target.hostname or "127.0.0.1", target.port or 5432)
    await relay.start()
    relayed = via_relay(settings.database.url, relay.port)
    assert "schema=" in relayed
    try:
        async with (
            served(settings, env={"DATABASE_URL": relayed}) as server,
            httpx.AsyncClient() as client,
        ):
            assert (await ask(client, server, desk.key)).status_code == 200
            assert (await client.get(f"http://{server}/readyz")).status_code == 200
            async with (
                open_socket(server, key=desk.key) as socket,
                open_socket(server, key=desk.key) as counting,
            ):
                await counting.subscribe("c", COUNT)
                assert (await counting.next("c")) == {"conversationCount": 1}
                await socket.subscribe("m", MESSAGES, {"id": conversation})
                await asyncio.sleep(0.2)
                await desk.send(conversation, 1)
                await desk.send(conversation, 2)
                seen = [(await socket.next("m"))["messageAdded"] for _ in range(2)]
                assert [edge["node"]["sequence"] for edge in seen] == [1, 2]
                last_cursor = seen[-1]["cursor"]
                assert (await ask(client, server, desk.key)).status_code == 200  # cached now
                await asyncio.sleep(0.5)  # the stream idles, waiting for events, when it goes

                cut = time.monotonic()
                await relay.cut()
                used = await ask(client, server, desk.key)  # past the gate by its cache
                to_503 = time.monotonic() - cut
                assert_unavailable(used)
                assert_unavailable(await ask(client, server, fresh_key))
                ready = await client.get(f"http://{server}/readyz", timeout=WITHIN)
                assert ready.status_code == 503, ready.text
                code, reason = await socket.closed(within=WITHIN)
                to_close = time.monotonic() - cut
                assert code == UNAVAILABLE, (code, reason)
                assert reason is not None
                assert "cursor" in reason
                assert (await counting.closed(within=WITHIN))[0] == UNAVAILABLE
                # Before the close, nothing but what they streamed: no error, no `complete`.
                for closed in (socket, counting):
                    while not closed.messages.empty():
                        message = closed.messages.get_nowait()
                        assert message.get("type") == "next", message

            # Sockets opened meanwhile, with a key the process knows and with one it does not:
            # closed with the same code at `connection_init` (a socket takes a lease row).
            for key in (desk.key, fresh_key):
                async with open_socket(server, init=False) as late:
                    payload = {"authorization": f"Bearer {key}"}
                    await late.send({"type": "connection_init", "payload": payload})
                    assert (await late.closed(within=WITHIN))[0] == UNAVAILABLE
            await desk.send(conversation, 3)  # while the server cannot read it
            await relay.restore()
            restored = time.monotonic()

            async def answers() -> bool:
                return (await ask(client, server, desk.key)).status_code == 200

            async def ready_again() -> bool:
                return (await client.get(f"http://{server}/readyz")).status_code == 200

            to_recover = await until(answers)
            assert (await ask(client, server, fresh_key)).status_code == 200
            to_ready = await until(ready_again, within=WITHIN - (time.monotonic() - restored))

            async with open_socket(server, key=desk.key) as socket:
                variables = {"id": conversation, "after": last_cursor}
                await socket.subscribe("m", MESSAGES, variables)
                resumed = [(await socket.next("m"))["messageAdded"]["node"]]
                await desk.send(conversation, 4)
                await desk.send(conversation, 5)
                resumed += [(await socket.next("m"))["messageAdded"]["node"] for _ in range(2)]
                with pytest.raises(TimeoutError):
                    await socket.receive(within=0.5)
    finally:
        await relay.stop()
    print(
        f"503 after {to_503:.3f} s; subscriber closed after {to_close:.3f} s; requests again "
        f"{to_recover:.3f} s and ready {to_ready:.3f} s after the database came back"
    )
    assert [node["sequence"] for node in resumed] == [3, 4, 5]
    assert [node["content"] for node in resumed] == ["message 3", "message 4", "message 5"]
