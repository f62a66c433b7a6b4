"""Live views under stress: slow consumers, churn, other processes, a lost listener."""

import asyncio
import base64
import gc
import os
import tracemalloc

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from server.settings import Settings
from subscriptions.broker import APPLICATION_NAME, PostgresBroker, listener_dsn
from subscriptions.live import Live
from tests.support.api import Api
from tests.support.database import BACKEND
from tests.support.live import MESSAGES, SEND, Desk
from tests.support.servers import served
from tests.support.waiting import bounded
from tests.support.ws import open_socket

postgres_only = pytest.mark.skipif(BACKEND != "postgres", reason="needs PostgreSQL")
pytestmark = pytest.mark.heavy  # fault tests: once, on the PostgreSQL leg
HTML = {"accept": "text/html"}
HEAVY = """subscription($id: ID!) { messageAdded(conversationId: $id) { cursor node {
  conversation { messages(last: 20) { edges { node { content } } } } } } }"""


async def test_a_slow_consumer_is_closed_and_never_delays_the_others(
    api: Api, server_url: str
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    # Random text: websockets compresses, and repeated letters would shrink to nothing.
    noise = [base64.b64encode(os.urandom(2999)).decode() for _ in range(300)]
    async with (
        open_socket(server_url, key=desk.key, receive_buffer=65536) as slow,
        open_socket(server_url, key=desk.key) as fast,
    ):
        # ~80 kB an event, so the socket's buffers fill after a few dozen and the server's sends
        # to it block; the subscriber then falls behind by more than the bound (50 in tests).
        await slow.subscribe("m", HEAVY, {"id": conversation})
        await fast.subscribe("m", MESSAGES, {"id": conversation})
        await asyncio.sleep(0.1)
        await slow.stall()
        received = 0
        for n in range(1, 301):
            await desk.send(conversation, n, noise[n - 1])
            # Each message reaches the fast subscriber before the next is written: the stalled
            # one delays nothing. (The writer runs in the server's own event loop; a writer
            # racing ahead would leave the fast subscriber behind by the tests' small bound.)
            await fast.next("m")
            received += 1
        slow.resume()
        code, reason = await slow.closed(within=10)
    assert code == 4499
    assert reason is not None
    assert "cursor" in reason
    assert received == 300


async def test_subscribing_and_leaving_a_thousand_times_leaves_nothing_behind(
    api: Api, server_url: str, app: Starlette
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    live: Live = app.state.live

    async def cycle() -> None:
        async with open_socket(server_url, key=desk.key) as socket:
            await socket.subscribe("c", "subscription { conversationCount }")
            await socket.next("c")
            await socket.subscribe("m", MESSAGES, {"id": conversation})

    await cycle()  # warm caches (parser, validation, connections) before measuring
    await asyncio.sleep(0.1)
    gc.collect()
    tasks_before = len(asyncio.all_tasks())
    tracemalloc.start()
    memory_before = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        await cycle()
    await asyncio.sleep(0.2)
    gc.collect()
    memory_after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    tasks_after = len(asyncio.all_tasks())
    print(f"tasks {tasks_before} -> {tasks_after}; memory +{memory_after - memory_before} bytes")
    assert tasks_after <= tasks_before
    assert live.feed.workspaces == 0
    assert live.counts.active == 0
    assert memory_after - memory_before < 2_000_000


async def send_via(server: str, key: str, conversation: str, n: int, content: str) -> None:
    """sendMessage over HTTP to a server in another process."""
    payload = {"conversationId": conversation, "clientMessageId": f"via-{n}", "content": content}
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"http://{server}/graphql",
            json={"query": SEND, "variables": {"input": payload}},
            headers={"authorization": f"Bearer {key}"},
        )
    assert "errors" not in response.json(), response.json()


@postgres_only
async def test_a_message_sent_through_one_process_reaches_a_subscriber_on_another(
    api: Api, settings: Settings
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    async with (
        served(settings) as first,
        served(settings) as second,
        open_socket(second, key=desk.key) as socket,
    ):
        await socket.subscribe("m", MESSAGES, {"id": conversation})
        await asyncio.sleep(0.2)
        for n in range(1, 6):
            await send_via(first, desk.key, conversation, n, f"via the first process {n}")
        got = [(await socket.next("m"))["messageAdded"]["node"] for _ in range(5)]
    assert [node["sequence"] for node in got] == [1, 2, 3, 4, 5]
    assert got[0]["content"] == "via the first process 1"


@postgres_only
async def test_killing_the_listener_connection_loses_no_event(
    api: Api, server_url: str, app: Starlette, settings: Settings
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    live: Live = app.state.live
    broker = live.broker
    assert isinstance(broker, PostgresBroker)
    async with bounded(5, "the event listener to connect"):
        await broker.connected.wait()
    connections_before = broker.connections
    delivered: list[int] = []
    async with open_socket(server_url, key=desk.key) as socket:
        await socket.subscribe("m", MESSAGES, {"id": conversation})
        await asyncio.sleep(0.1)
        # Only this process's listener: other Parley servers on the same PostgreSQL keep theirs.
        admin = await asyncpg.connect(listener_dsn(settings.database.url))
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE pid = $1 AND application_name = $2 AND datname = current_database()",
                broker.listener_pid,
                APPLICATION_NAME,
            )
        finally:
            await admin.close()
        assert killed == 1
        # Other processes' writes reach this one only through the listener: write through one.
        async with served(settings) as other:
            async with httpx.AsyncClient() as client:
                for n in range(1, 11):
                    await client.post(
                        f"http://{other}/graphql",
                        json={
                            "query": "mutation($i: SendMessageInput!) { sendMessage(input: $i) "
                            "{ message { sequence } } }",
                            "variables": {
                                "i": {
                                    "conversationId": conversation,
                                    "clientMessageId": f"k{n}",
                                    "content": "hi",
                                }
                            },
                        },
                        headers={"authorization": f"Bearer {desk.key}"},
                    )
            for _ in range(10):
                delivered.append(
                    (await socket.next("m", within=15))["messageAdded"]["node"]["sequence"]
                )
    print(
        f"events delivered {len(delivered)}, lost {10 - len(delivered)}; listener reconnects "
        f"{broker.connections - connections_before}"
    )
    assert delivered == list(range(1, 11))
    assert broker.connections > connections_before


@postgres_only
async def test_workers_of_one_server_share_live_events(api: Api, settings: Settings) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    async with served(settings, "--workers", "2") as server:
        sockets = [open_socket(server, key=desk.key) for _ in range(4)]  # spread over workers
        watchers = [await socket.__aenter__() for socket in sockets]
        try:
            for watcher in watchers:
                await watcher.subscribe("m", MESSAGES, {"id": conversation})
            await asyncio.sleep(0.3)
            for n in range(1, 4):  # each request lands on whichever worker accepts it
                await send_via(server, desk.key, conversation, n, f"hello {n}")
            for watcher in watchers:
                got = [(await watcher.next("m"))["messageAdded"]["node"] for _ in range(3)]
                assert [node["sequence"] for node in got] == [1, 2, 3]
        finally:
            for socket in sockets:
                await socket.__aexit__(None, None, None)
