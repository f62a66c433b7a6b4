"""Browser access over the real app: CORS headers on /graphql, which origins may use which tokens
over HTTP and websockets, and `PARLEY_CORS_ORIGINS` for secret keys."""

import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from models.enums import ApiKeyKind
from resolvers.apikey import create_api_key
from resolvers.ids import encode_id
from server.settings import Settings
from tests.support import factories
from tests.support.api import Api, Result
from tests.support.waiting import bounded

SHOP = "https://shop.example"
EVIL = "https://evil.example"
START = """mutation($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id } sessionToken } }"""
SEND = """mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { message { sequence } } }"""
MESSAGES = "subscription($id: ID!) { messageAdded(conversationId: $id) { node { content } } }"


@dataclass(frozen=True)
class Widget:
    secret: str
    assistant: str
    key: str


async def widget(origins: list[str]) -> Widget:
    """A workspace's secret key, and an assistant with these allowed origins and its widget key."""
    workspace_id, secret = await factories.workspace()
    bot = await factories.assistant(workspace_id, allowed_origins=origins)
    _, key = await create_api_key(
        workspace_id, ApiKeyKind.PUBLISHABLE, frozenset(), assistant_id=bot.id
    )
    return Widget(secret, encode_id("Assistant", bot.id), key)


async def start(api: Api, widget: Widget, origin: str | None) -> Result:
    headers = {"origin": origin} if origin else None
    return await api(
        START, {"input": {"assistantId": widget.assistant}}, key=widget.key, headers=headers
    )


async def session(api: Api, widget: Widget, origin: str | None = SHOP) -> tuple[str, str]:
    """A conversation started by the widget from `origin`: its ID and session token."""
    started = (await start(api, widget, origin)).data["startConversation"]
    return started["conversation"]["id"], started["sessionToken"]


async def send(api: Api, token: str, conversation: str, origin: str | None) -> Result:
    payload = {"conversationId": conversation, "clientMessageId": "m1", "content": "hello"}
    headers = {"origin": origin} if origin else None
    return await api(SEND, {"input": payload}, key=token, headers=headers)


def preflight_headers(origin: str, method: str = "POST", headers: str = "") -> dict[str, str]:
    sent = {"origin": origin, "access-control-request-method": method}
    if headers:
        sent["access-control-request-headers"] = headers
    return sent


@pytest.fixture
def cors_origins(app: Starlette) -> Iterator[None]:
    """The app as `PARLEY_CORS_ORIGINS=https://dashboard.example` runs it."""
    settings: Settings = app.state.settings
    app.state.settings = dataclasses.replace(
        settings,
        http=dataclasses.replace(
            settings.http, cors_origins=frozenset({"https://dashboard.example"})
        ),
    )
    try:
        yield
    finally:
        app.state.settings = settings


# --- CORS headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [SHOP, "http://localhost:3000", "null"])
async def test_any_origin_gets_a_preflight_answer(api: Api, origin: str) -> None:
    response = await api.client.options(
        "/graphql", headers=preflight_headers(origin, "POST", "authorization, content-type")
    )
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == origin
    assert "origin" in response.headers["vary"].lower()
    assert response.headers["access-control-allow-methods"] == "GET, POST"
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert response.headers["access-control-max-age"] == "7200"
    assert "access-control-allow-credentials" not in response.headers


async def test_a_preflight_allows_the_headers_graphql_clients_send(api: Api) -> None:
    asked = "accept, authorization, content-type, x-apollo-operation-name, apollo-require-preflight"
    response = await api.client.options("/graphql", headers=preflight_headers(SHOP, "GET", asked))
    assert response.status_code == 204
    assert response.headers["access-control-allow-headers"] == asked


async def test_a_preflight_for_another_method_is_refused(api: Api) -> None:
    response = await api.client.options("/graphql", headers=preflight_headers(SHOP, "DELETE"))
    assert response.status_code == 400
    assert "method" in response.text


async def test_answers_carry_the_cors_headers(api: Api) -> None:
    widget_ = await widget([])
    response = await api.client.post(
        "/graphql",
        json={"query": "{ assistants { id } }"},
        headers={"origin": SHOP, "authorization": f"Bearer {widget_.secret}"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "origin" in response.headers["vary"].lower()
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= exposed
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Bearer sk_not-a-key"}, {"accept": "text/plain"}],
    ids=["no key", "bad key", "not acceptable"],
)
async def test_refusals_carry_the_cors_headers_so_pages_can_read_them(
    api: Api, headers: dict[str, str]
) -> None:
    response = await api.client.post(
        "/graphql", json={"query": "{ conversationCount }"}, headers={"origin": SHOP, **headers}
    )
    assert response.status_code >= 400 or response.json().get("errors")
    assert response.headers["access-control-allow-origin"] == SHOP


async def test_other_paths_get_no_cors_headers(api: Api) -> None:
    preflight = await api.client.options("/elsewhere", headers=preflight_headers(SHOP))
    answer = await api.client.get("/elsewhere", headers={"origin": SHOP})
    for response in (preflight, answer):
        assert response.status_code in (404, 405)
        assert "access-control-allow-origin" not in response.headers


async def test_without_origin_no_cors_headers_are_added(api: Api) -> None:
    widget_ = await widget([])
    response = await api.client.post(
        "/graphql",
        json={"query": "{ conversationCount }"},
        headers={"authorization": f"Bearer {widget_.secret}"},
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


# --- which origins may use which tokens over HTTP -------------------------------------------


async def test_a_session_token_works_only_from_its_assistants_origins(api: Api) -> None:
    widget_ = await widget([SHOP])
    conversation, token = await session(api, widget_)
    assert (await send(api, token, conversation, SHOP)).codes == []
    refused = await send(api, token, conversation, EVIL)
    assert refused.codes == ["FORBIDDEN"]
    assert refused.errors[0]["message"] == (
        f"This page's origin ({EVIL}) may not use this session token: add the origin to the "
        "assistant's allowedOrigins (updateAssistant, with a secret key), or empty the list to "
        "allow any page."
    )
    assert (await send(api, token, conversation, "null")).codes == ["FORBIDDEN"]
    assert (await send(api, token, conversation, None)).codes == []  # a server, not a browser


async def test_without_allowed_origins_a_session_token_works_from_anywhere(api: Api) -> None:
    widget_ = await widget([])
    conversation, token = await session(api, widget_, EVIL)
    assert (await send(api, token, conversation, "http://localhost:3000")).codes == []
    assert (await send(api, token, conversation, None)).codes == []


async def test_secret_keys_work_from_any_origin_by_default(api: Api) -> None:
    widget_ = await widget([SHOP])
    for origin in (EVIL, None):
        result = await api(
            "{ conversationCount }",
            key=widget_.secret,
            headers={"origin": origin} if origin else None,
        )
        assert result.codes == []


@pytest.mark.usefixtures("cors_origins")
@pytest.mark.parametrize(
    ("origin", "codes"),
    [
        ("https://dashboard.example", []),
        ("https://DASHBOARD.example", []),
        (None, []),
        (EVIL, ["FORBIDDEN"]),
        ("https://dashboard.example:8443", ["FORBIDDEN"]),
        ("null", ["FORBIDDEN"]),
    ],
)
async def test_cors_origins_narrow_where_secret_keys_work(
    api: Api, origin: str | None, codes: list[str]
) -> None:
    widget_ = await widget([])
    headers = {"origin": origin} if origin else None
    result = await api("{ conversationCount }", key=widget_.secret, headers=headers)
    assert result.codes == codes
    if codes:
        assert "data" not in result.body or result.body["data"] is None


@pytest.mark.usefixtures("cors_origins")
async def test_cors_origins_leave_widget_tokens_to_their_assistant(api: Api) -> None:
    widget_ = await widget([SHOP])
    conversation, token = await session(api, widget_, SHOP)
    assert (await send(api, token, conversation, SHOP)).codes == []
    assert (await start(api, widget_, EVIL)).codes == ["FORBIDDEN"]


def test_cors_origins_are_read_as_browsers_send_them() -> None:
    env = {
        "PARLEY_CORS_ORIGINS": " https://Dashboard.Example/ ,http://localhost:3000,,https://x.example:443"
    }
    assert Settings.from_env(env).http.cors_origins == {
        "https://dashboard.example",
        "http://localhost:3000",
        "https://x.example",
    }
    assert Settings.from_env({}).http.cors_origins == frozenset()
    with pytest.raises(ValueError, match="PARLEY_CORS_ORIGINS"):
        Settings.from_env({"PARLEY_CORS_ORIGINS": "dashboard.example"})


# --- websockets: any origin connects; the token decides --------------------------------------


@asynccontextmanager
async def socket_from(server_url: str, origin: str | None) -> AsyncIterator[ClientConnection]:
    async with connect(
        f"ws://{server_url}/graphql",
        origin=origin,  # type: ignore[arg-type]
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        open_timeout=5,
    ) as connection:
        yield connection


async def init(connection: ClientConnection, token: str) -> str | int:
    """`connection_ack`, or the close code the server answered with."""
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    try:
        message: dict[str, str] = json.loads(await connection.recv(decode=True))
    except ConnectionClosed:
        async with bounded(5, "the server to close the refused socket"):
            await connection.wait_closed()
        assert connection.close_code is not None
        return connection.close_code
    return message["type"]


async def test_a_handshake_from_any_origin_is_accepted(server_url: str) -> None:
    widget_ = await widget([SHOP])
    for origin in (EVIL, "http://localhost:3000", None):
        async with socket_from(server_url, origin) as connection:
            assert await init(connection, widget_.secret) == "connection_ack"


@pytest.mark.parametrize(
    ("origin", "widget_key", "session_token"),
    [
        (SHOP, "connection_ack", "connection_ack"),
        (EVIL, 4403, 4403),
        ("null", 4403, 4403),
        (None, 4403, "connection_ack"),  # no Origin: a server, which only a widget key refuses
    ],
)
async def test_widget_tokens_on_a_socket_work_only_from_their_assistants_origins(
    api: Api,
    server_url: str,
    origin: str | None,
    widget_key: str | int,
    session_token: str | int,
) -> None:
    widget_ = await widget([SHOP])
    _, token = await session(api, widget_)
    for credential, answer in ((widget_.key, widget_key), (token, session_token)):
        async with socket_from(server_url, origin) as connection:
            assert await init(connection, credential) == answer


@pytest.mark.usefixtures("cors_origins")
async def test_cors_origins_narrow_where_secret_keys_open_sockets(server_url: str) -> None:
    widget_ = await widget([])
    for origin, answer in (
        ("https://dashboard.example", "connection_ack"),
        (None, "connection_ack"),
        (EVIL, 4403),
    ):
        async with socket_from(server_url, origin) as connection:
            assert await init(connection, widget_.secret) == answer
