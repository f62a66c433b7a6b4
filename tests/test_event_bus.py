"""Event numbers carried between server processes by NATS JetStream (`PARLEY_EVENT_BUS`): real
`parley serve` processes, a nats-server of the test's own, killed and started again.

What a user checks: a subscriber on one process sees every message written through another, in
order, once each — with the bus working, with the bus killed and back, when the numbers were never
published, and when the subscriber's own process restarts and it resumes with its cursor."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from server.settings import Settings
from subscriptions.broker import listener_dsn
from subscriptions.bus import subject_of
from tests.support.api import Api
from tests.support.database import BACKEND
from tests.support.live import MESSAGES, Desk
from tests.support.nats import Nats, nats_server
from tests.support.servers import database_ports_of, served, serving
from tests.support.ws import Socket, open_socket

pytestmark = [
    pytest.mark.heavy,
    pytest.mark.skipif(BACKEND != "postgres", reason="the bus serves PostgreSQL deployments"),
]

STREAM = "PARLEY_EVENTS"


def bus(server: Nats) -> dict[str, str]:
    return {"PARLEY_EVENT_BUS": server.url, "PARLEY_EVENT_BUS_STREAM": STREAM}


async def send(server: str, key: str, conversation: str, n: int) -> None:
    payload = {"conversationId": conversation, "clientMessageId": f"b{n}", "content": f"m{n}"}
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"http://{server}/graphql",
            json={
                "query": "mutation($i: SendMessageInput!) { sendMessage(input: $i) "
                "{ message { sequence } } }",
                "variables": {"i": payload},
            },
            headers={"authorization": f"Bearer {key}"},
        )
    assert "errors" not in response.json(), response.json()


async def contents(socket: Socket, count: int, within: float = 5.0) -> list[str]:
    return [
        (await socket.next("m", within=within))["messageAdded"]["node"]["content"]
        for _ in range(count)
    ]


async def nothing_more(socket: Socket) -> bool:
    try:
        await socket.receive(0.7)
    except TimeoutError:
        return True
    return False


class Follower:
    """A subscriber that does what a client is told to: when the server closes its socket
    (4503: the database could not be read), it connects again and resumes from its last cursor."""

    def __init__(self, server: str, key: str, conversation: str) -> None:
        self.server, self.key, self.conversation = server, key, conversation
        self.contents: list[str] = []
        self.cursor: str | None = None
        self.closes: list[int | None] = []

    async def until(self, count: int, within: float = 20.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while len(self.contents) < count:
            async with open_socket(self.server, key=self.key) as socket:
                variables = {"id": self.conversation, "after": self.cursor}
                await socket.subscribe("m", MESSAGES, variables)
                while len(self.contents) < count:
                    assert loop.time() < deadline, (self.contents, self.closes)
                    try:
                        message = await socket.receive(0.25)
                    except TimeoutError:
                        if socket.connection.close_code is not None:
                            self.closes.append(socket.connection.close_code)
                            break
                        continue
                    assert message["type"] == "next", message
                    edge = message["payload"]["data"]["messageAdded"]
                    self.contents.append(edge["node"]["content"])
                    self.cursor = edge["cursor"]
            await asyncio.sleep(0.5)  # "reconnect after a second or so"


@asynccontextmanager
async def writer_and_watcher(
    settings: Settings, tmp_path: Path, desk: Desk, conversation: str
) -> AsyncIterator[tuple[Nats, str, Socket]]:
    """A nats-server of the test's own, a process that writes, and a socket on another process
    following the conversation's messages."""
    async with (
        nats_server(tmp_path) as server,
        served(settings, env=bus(server)) as writer,
        served(settings, env=bus(server)) as watcher,
        open_socket(watcher, key=desk.key) as socket,
    ):
        await socket.subscribe("m", MESSAGES, {"id": conversation})
        await asyncio.sleep(0.3)
        yield server, writer, socket


async def send_all(server: str, key: str, conversation: str, numbers: range) -> None:
    for n in numbers:
        await send(server, key, conversation, n)


async def stored_notices(server: Nats) -> int:
    client = await nats.connect(server.url)
    try:
        info = await client.jetstream().stream_info(STREAM)
        return int(info.state.messages)
    finally:
        await client.close()


async def test_messages_cross_processes_by_the_bus(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    async with writer_and_watcher(settings, tmp_path, desk, conversation) as (
        server,
        first,
        socket,
    ):
        await send_all(first, desk.key, conversation, range(1, 6))
        assert await contents(socket, 5) == ["m1", "m2", "m3", "m4", "m5"]
        assert await nothing_more(socket)
        assert await stored_notices(server) >= 1  # JetStream acknowledged and kept them
        async with httpx.AsyncClient() as client:
            metrics = (await client.get(f"http://{first}/metrics")).text
        assert "parley_event_bus_connected 1.0" in metrics
    assert subject_of(STREAM) == "parley_events.numbers"


async def test_the_bus_killed_and_back_loses_and_repeats_nothing(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    async with writer_and_watcher(settings, tmp_path, desk, conversation) as (
        server,
        first,
        socket,
    ):
        await send_all(first, desk.key, conversation, range(1, 4))
        assert await contents(socket, 3) == ["m1", "m2", "m3"]
        server.kill()
        loop = asyncio.get_running_loop()
        for n in range(4, 9):  # writes go on while the bus is away, at their usual pace
            began = loop.time()
            await send(first, desk.key, conversation, n)
            assert loop.time() - began < 1.5
        await server.start()  # the same port and store
        assert await contents(socket, 5, within=15) == ["m4", "m5", "m6", "m7", "m8"]
        await send_all(first, desk.key, conversation, range(9, 11))
        assert await contents(socket, 2, within=10) == ["m9", "m10"]
        assert await nothing_more(socket)


async def test_numbers_nobody_published_still_reach_the_bus(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    """A writer whose numbers never reach the bus — as when its process dies right after its
    commit — is covered by the others: here the writer is this test's own app, which has no bus
    (it announces by NOTIFY, which processes on the bus do not hear)."""
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    async with (
        nats_server(tmp_path) as server,
        served(settings, env=bus(server)) as watcher,
        open_socket(watcher, key=desk.key) as socket,
    ):
        await socket.subscribe("m", MESSAGES, {"id": conversation})
        await asyncio.sleep(0.3)
        for n in range(1, 4):
            await desk.send(conversation, n, f"m{n}")
        assert await contents(socket, 3, within=5) == ["m1", "m2", "m3"]
        assert await nothing_more(socket)


async def test_a_subscriber_resumes_by_cursor_after_its_process_restarts(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    async with (
        nats_server(tmp_path) as server,
        served(settings, env=bus(server)) as writer,
    ):
        async with (
            served(settings, env=bus(server)) as watcher,
            open_socket(watcher, key=desk.key) as socket,
        ):
            await socket.subscribe("m", MESSAGES, {"id": conversation})
            await asyncio.sleep(0.3)
            await send_all(writer, desk.key, conversation, range(1, 4))
            edges = [(await socket.next("m"))["messageAdded"] for _ in range(3)]
            assert [edge["node"]["content"] for edge in edges] == ["m1", "m2", "m3"]
            cursor = edges[-1]["cursor"]
        await send_all(writer, desk.key, conversation, range(4, 7))  # while no watcher runs
        async with (
            served(settings, env=bus(server)) as watcher,
            open_socket(watcher, key=desk.key) as socket,
        ):
            await socket.subscribe("m", MESSAGES, {"id": conversation, "after": cursor})
            assert await contents(socket, 3) == ["m4", "m5", "m6"]
            await send(writer, desk.key, conversation, 7)
            assert await contents(socket, 1) == ["m7"]
            assert await nothing_more(socket)


async def test_the_database_lost_under_a_process_on_the_bus_loses_and_repeats_nothing(
    api: Api, settings: Settings, tmp_path: Path
) -> None:
    """Every database connection of the watching process is ended mid-conversation (as a
    restart of PostgreSQL ends them; only this server's, found by their ports): its subscriber
    is told to resume, or is served by the new connections at once, and either way sees every
    message once."""
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    async with (
        nats_server(tmp_path) as server,
        served(settings, env=bus(server)) as writer,
        serving(settings, env=bus(server)) as (watcher, process),
    ):
        follower = Follower(watcher, desk.key, conversation)
        reading = asyncio.create_task(follower.until(3))
        await asyncio.sleep(0.5)
        await send_all(writer, desk.key, conversation, range(1, 4))
        await reading
        admin = await asyncpg.connect(listener_dsn(settings.database.url))
        try:
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE client_port = ANY($1::int[]) AND datname = current_database()",
                database_ports_of(process.pid),
            )
        finally:
            await admin.close()
        assert ended >= 1
        await send_all(writer, desk.key, conversation, range(4, 7))
        await follower.until(6)
        await send(writer, desk.key, conversation, 7)
        await follower.until(7)
    assert follower.contents == [f"m{n}" for n in range(1, 8)], follower.closes
    print(f"connections ended {ended}; closes seen {follower.closes}")
