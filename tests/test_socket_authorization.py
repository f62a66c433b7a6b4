"""A long-lived socket's token is checked before each frame, but looked up only when the process
may have missed a revocation: a widget whose messages come once a minute must not cost a session
look-up per message while every revocation is heard as it is made."""

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette

from models import ConversationSession
from resolvers.apikey import announce_revoked
from resolvers.ids import decode_id
from tests.support.api import Api
from tests.support.live import MESSAGES, Desk, sequences
from tests.support.ws import open_socket


@pytest.fixture
def stale_at_once(app: Starlette) -> Iterator[None]:
    """Authentication remembered by nothing, socket or process: with the old rule every frame
    looked its token up."""
    settings, ttl = app.state.settings, app.state.callers.ttl_seconds
    app.state.settings = dataclasses.replace(
        settings, http=dataclasses.replace(settings.http, auth_cache_seconds=0)
    )
    app.state.callers.ttl_seconds = 0
    try:
        yield
    finally:
        app.state.settings, app.state.callers.ttl_seconds = settings, ttl


def _session_lookups(log: Any) -> int:
    return sum('"conversation_session"' in statement.sql for statement in log.statements)


@pytest.mark.usefixtures("stale_at_once")
async def test_a_widgets_frames_look_up_no_session_while_revocations_are_heard(
    api: Api, server_url: str, count_statements: Any
) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start()
    async with open_socket(server_url, key=token) as socket:
        await socket.subscribe("m", MESSAGES, {"id": conversation})
        await desk.send(conversation, 1)
        assert [s for s, _ in await sequences(socket, "m", 1)] == [1]
        with count_statements() as log:
            for n in range(2, 7):
                await desk.send(conversation, n)
                assert [s for s, _ in await sequences(socket, "m", 1)] == [n]
    assert _session_lookups(log) == 0


@pytest.mark.usefixtures("stale_at_once")
async def test_a_widgets_socket_closes_once_its_token_fails_a_recheck(
    api: Api, server_url: str
) -> None:
    """A token that stopped authenticating still ends its stream once the process may have
    missed a revocation (announced as None after a listener reconnects: every socket checks)."""
    desk = await Desk.open(api)
    conversation, token = await desk.start()
    async with open_socket(server_url, key=token) as socket:
        await socket.subscribe("m", MESSAGES, {"id": conversation})
        await desk.send(conversation, 1)
        assert [s for s, _ in await sequences(socket, "m", 1)] == [1]
        pk = decode_id(conversation, "Conversation")
        await ConversationSession.filter(conversation_id=pk).delete()
        announce_revoked(None)
        code, _ = await socket.closed(within=5)
    assert code == 4403
