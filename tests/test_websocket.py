"""The `graphql-transport-ws` protocol itself, over a real socket to the real server."""

import asyncio

import pytest
from starlette.applications import Starlette
from websockets.asyncio.client import connect

from resolvers.database.sql import db
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.waiting import bounded
from tests.support.ws import open_socket

COUNT = "subscription { conversationCount }"


async def test_a_socket_authenticates_in_connection_init_and_subscribes(server_url: str) -> None:
    _, key = await factories.workspace()
    async with open_socket(server_url, key=key) as socket:
        await socket.subscribe("1", COUNT)
        assert await socket.next("1") == {"conversationCount": 0}
        await socket.send({"id": "1", "type": "complete"})


@pytest.mark.parametrize(
    "payload",
    [{}, {"authorization": "Bearer sk_not-a-key"}, {"authorization": "sk_no_scheme"}],
    ids=["none", "unknown key", "malformed"],
)
async def test_a_bad_key_in_connection_init_closes_with_4403(
    server_url: str, payload: dict[str, str]
) -> None:
    async with open_socket(server_url, init=False) as socket:
        await socket.send({"type": "connection_init", "payload": payload})
        assert (await socket.closed())[0] == 4403


async def test_subscribing_before_the_ack_closes_with_4401(server_url: str) -> None:
    async with open_socket(server_url, init=False) as socket:
        await socket.subscribe("1", COUNT)
        assert (await socket.closed())[0] == 4401


async def test_a_second_connection_init_closes_with_4429(server_url: str) -> None:
    _, key = await factories.workspace()
    async with open_socket(server_url, key=key) as socket:
        await socket.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
        )
        assert (await socket.closed())[0] == 4429


async def test_a_reused_subscription_id_closes_with_4409(server_url: str) -> None:
    _, key = await factories.workspace()
    async with open_socket(server_url, key=key) as socket:
        await socket.subscribe("same", COUNT)
        await socket.next("same")
        await socket.subscribe("same", COUNT)
        assert (await socket.closed())[0] == 4409


@pytest.mark.parametrize(
    "raw", ['{"type": "nonsense"}', "not json", '{"id": "1", "type": "subscribe"}']
)
async def test_invalid_messages_close_with_4400(server_url: str, raw: str) -> None:
    _, key = await factories.workspace()
    async with open_socket(server_url, key=key) as socket:
        await socket.connection.send(raw)
        assert (await socket.closed())[0] == 4400


async def test_no_connection_init_in_time_closes_with_4408(server_url: str) -> None:
    async with open_socket(server_url, init=False) as socket:
        assert (await socket.closed(within=3))[0] == 4408


async def test_pings_are_answered_with_pongs(server_url: str) -> None:
    _, key = await factories.workspace()
    async with open_socket(server_url, key=key) as socket:
        await socket.send({"type": "ping"})
        assert await socket.receive() == {"type": "pong"}


async def test_idle_sockets_are_pinged_and_dead_ones_closed(
    server_url: str, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = app.state.graphql_view
    monkeypatch.setattr(view, "ping_interval", 1.0)  # the service's own settings, shortened
    monkeypatch.setattr(view, "pong_timeout", 1.0)
    _, key = await factories.workspace()
    async with open_socket(server_url, key=key) as alive:
        await asyncio.sleep(2.5)
        assert alive.pings >= 1
        await alive.send({"type": "ping"})
        assert await alive.receive() == {"type": "pong"}  # still open
    async with open_socket(server_url, key=key, answer_pings=False) as dead:
        code, _ = await dead.closed(within=5)
        assert code == 4504
        assert dead.pings == 1


async def test_only_graphql_transport_ws_is_spoken(server_url: str) -> None:
    async with connect(f"ws://{server_url}/graphql", subprotocols=["graphql-ws"]) as legacy:  # type: ignore[list-item]
        async with bounded(5, "the server to close a graphql-ws socket"):
            await legacy.wait_closed()
        assert legacy.close_code == 4406


async def test_permissions_match_http(server_url: str) -> None:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    other_id, _ = await factories.workspace("Globex")
    other_bot = await factories.assistant(other_id)
    theirs = await factories.conversation(other_id, other_bot.id)
    mine = await factories.conversation(workspace_id, bot.id)
    query = "subscription($id: ID!) { messageAdded(conversationId: $id) { cursor } }"
    async with open_socket(server_url, key=key) as socket:
        await socket.subscribe("x", query, {"id": encode_id("Conversation", theirs.id)})
        refused = await socket.receive()
        assert refused["id"] == "x"
        errors = refused["payload"] if refused["type"] == "error" else refused["payload"]["errors"]
        assert [error["extensions"]["code"] for error in errors] == ["NOT_FOUND"]
        await socket.subscribe("y", query, {"id": encode_id("Conversation", mine.id)})
        await socket.send({"id": "y", "type": "complete"})


async def test_a_malformed_subscribe_closes_with_4400(server_url: str) -> None:
    _, key = await factories.workspace()
    async with open_socket(server_url, key=key) as socket:
        await socket.send({"id": "1", "type": "subscribe", "payload": "not an object"})
        assert (await socket.closed())[0] == 4400


async def test_a_failure_inside_the_server_closes_with_4500(server_url: str) -> None:
    _, key = await factories.workspace()
    # A real fault: the key table is gone while a socket authenticates.
    await db().execute_script("ALTER TABLE api_key RENAME TO api_key_away")
    try:
        async with open_socket(server_url, init=False) as socket:
            await socket.send(
                {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
            )
            assert (await socket.closed())[0] == 4500
    finally:
        await db().execute_script("ALTER TABLE api_key_away RENAME TO api_key")
