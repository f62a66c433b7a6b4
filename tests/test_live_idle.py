"""What thousands of open live views cost a server: idle subscriptions send nothing to the
database (pings included), and a message costs the same statements however many widgets follow
its conversation (bench/live measures the figures)."""

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import pytest
from starlette.applications import Starlette

from resolvers.events.sequencer import PEEK_SQL
from subscriptions.live import Live
from tests.support.api import Api
from tests.support.live import COUNT, MESSAGES, Desk, sequences
from tests.support.waiting import bounded
from tests.support.ws import Socket, open_socket


async def quiet(count_statements: Any, seconds: float = 0.5, within: float = 30.0) -> None:
    """Returns once no statement was sent for `seconds` (what earlier writes woke is done)."""
    async with bounded(within, f"{seconds:g} s in which no statement is sent"):
        while True:
            with count_statements() as log:
                await asyncio.sleep(seconds)
            if not log.statements:
                return


async def test_idle_subscriptions_send_no_statements_and_are_still_pinged(
    api: Api,
    server_url: str,
    app: Starlette,
    count_statements: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    view = app.state.graphql_view
    live: Live = app.state.live
    monkeypatch.setattr(view, "ping_interval", 0.2)  # several pings within the window
    # Answered pings keep a socket open, however late the answer: a loaded machine can hold this
    # process's loop (the clients' and the server's) for longer than a short pong timeout.
    monkeypatch.setattr(view, "pong_timeout", 30.0)
    desk = await Desk.open(api)
    async with AsyncExitStack() as stack:
        sockets: list[Socket] = []
        for _ in range(3):
            conversation, token = await desk.start("WEB_WIDGET")
            await desk.send(conversation, 1)
            widget = await stack.enter_async_context(open_socket(server_url, key=token))
            await widget.subscribe("m", MESSAGES, {"id": conversation})
            assert [s for s, _ in await sequences(widget, "m", 1)] == [1]
            dashboard = await stack.enter_async_context(open_socket(server_url, key=desk.key))
            await dashboard.subscribe("c", COUNT, {"f": {"types": ["TEST"]}})
            assert await dashboard.next("c") == {"conversationCount": 0}
            sockets += [widget, dashboard]
        # Test runs in other schemas of the same PostgreSQL database notify on the same channel,
        # and their notices would make this feed read: nothing is written here meanwhile.
        monkeypatch.setattr(live.feed, "wake", lambda _workspace, _seq: None)
        await quiet(count_statements)  # the reads and recounts the starts above asked for
        with count_statements() as log:
            await asyncio.sleep(1.2)
        # The process's own housekeeping, the same with no subscriber: the sequencer's look, once
        # a second, for events whose writer died before their numbers were taken.
        sent = [s.sql for s in log.statements if s.sql != PEEK_SQL]
        assert sent == []
        for socket in sockets:
            assert socket.pings >= 2
            await socket.send({"type": "ping"})
            assert await socket.receive() == {"type": "pong"}  # answered pings: still open


async def test_a_message_costs_the_same_statements_however_many_widgets_follow_it(
    api: Api,
    server_url: str,
    app: Starlette,
    count_statements: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only this process's commits wake the feed (others' tests notify on the same channel).
    live: Live = app.state.live
    monkeypatch.setattr(live.feed, "wake", lambda _workspace, _seq: None)
    desk = await Desk.open(api)
    conversation, token = await desk.start("WEB_WIDGET")
    async with AsyncExitStack() as stack:
        followers: list[Socket] = []

        async def follow(count: int) -> None:
            for _ in range(count):
                socket = await stack.enter_async_context(open_socket(server_url, key=token))
                await socket.subscribe("m", MESSAGES, {"id": conversation})
                followers.append(socket)
            await quiet(count_statements)  # their history (none) is read before counting

        async def delivered(n: int) -> int:
            with count_statements() as log:
                await desk.send(conversation, n)
                for socket in followers:
                    assert [s for s, _ in await sequences(socket, "m", 1)] == [n]
                await quiet(count_statements)  # whatever the message still causes is counted
            return len(log.statements)

        await follow(1)
        assert await delivered(1) == await delivered(2)  # warm: the key is remembered
        one = await delivered(3)
        await follow(7)
        for socket in followers[1:]:
            assert [s for s, _ in await sequences(socket, "m", 3)] == [1, 2, 3]
        assert await delivered(4) == one
