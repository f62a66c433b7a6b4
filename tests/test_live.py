"""Live views through the real websocket protocol: nothing missed, nothing twice, nothing wasted."""

import asyncio
from typing import Any

from starlette.applications import Starlette

from models.enums import ConversationType
from resolvers.filters import ConversationFilter
from subscriptions.live import Live
from tests.support.api import Api
from tests.support.live import COUNT, EVENTS, MESSAGES, Desk, sequences
from tests.support.ws import open_socket


async def test_message_added_replays_then_follows_live(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start()
    for n in range(1, 4):
        await desk.send(conversation, n)
    async with open_socket(server_url, key=token) as socket:  # the widget's session token
        await socket.subscribe("m", MESSAGES, {"id": conversation})
        assert [s for s, _ in await sequences(socket, "m", 3)] == [1, 2, 3]
        await desk.send(conversation, 4)
        assert [s for s, _ in await sequences(socket, "m", 1)] == [4]
        await desk.end(conversation)
        completed = await socket.receive()
        assert completed == {"id": "m", "type": "complete"}


async def test_resuming_by_cursor_misses_nothing_and_repeats_nothing_under_concurrent_writers(
    api: Api, server_url: str
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    seen: list[int] = []
    cursor = None
    writers = asyncio.gather(*(desk.send(conversation, n) for n in range(1, 61)))
    for _ in range(3):  # connect, read a little, drop the socket; all while writers write
        async with open_socket(server_url, key=desk.key) as socket:
            await socket.subscribe("m", MESSAGES, {"id": conversation, "after": cursor})
            read = await sequences(socket, "m", 10)
            seen += [sequence for sequence, _ in read]
            cursor = read[-1][1]
    await writers
    async with open_socket(server_url, key=desk.key) as socket:
        await socket.subscribe("m", MESSAGES, {"id": conversation, "after": cursor})
        seen += [s for s, _ in await sequences(socket, "m", 60 - len(seen))]
        await desk.end(conversation)
        assert await socket.receive() == {"id": "m", "type": "complete"}
    assert seen == list(range(1, 61))


async def test_conversation_count_starts_at_once_and_follows_changes(
    api: Api, server_url: str
) -> None:
    desk = await Desk.open(api)
    await desk.start()
    async with open_socket(server_url, key=desk.key) as socket:
        await socket.subscribe("c", COUNT, {"f": {"statuses": ["ACTIVE"]}})
        assert await socket.next("c") == {"conversationCount": 1}
        second, _ = await desk.start()
        assert await socket.next("c") == {"conversationCount": 2}
        await desk.end(second)
        assert await socket.next("c") == {"conversationCount": 1}


async def test_counts_are_shared_coalesced_and_idle_when_nothing_changes(
    api: Api, server_url: str, app: Starlette, count_statements: Any
) -> None:
    desk = await Desk.open(api)
    live: Live = app.state.live
    where = ConversationFilter(types=(ConversationType.TEST,))
    sockets = [open_socket(server_url, key=desk.key) for _ in range(3)]
    watchers = [await socket.__aenter__() for socket in sockets]
    try:
        for watcher in watchers:
            await watcher.subscribe("c", COUNT, {"f": {"types": ["TEST"]}})
            assert await watcher.next("c") == {"conversationCount": 0}
        assert live.counts.computations(desk.workspace_id, where) == 1  # one count, three badges

        await asyncio.gather(*(desk.start() for _ in range(10)))  # a burst
        for watcher in watchers:
            value = 0
            while value < 10:  # coalesced: fewer updates than starts, the last one always 10
                value = (await watcher.next("c"))["conversationCount"]
        computed = live.counts.computations(desk.workspace_id, where)
        assert 2 <= computed <= 6, computed

        conversation, _ = await desk.start("WEB_WIDGET")  # a start: counted again, unchanged
        await asyncio.sleep(0.5)
        with count_statements() as counter:
            await desk.send(conversation, 1)  # cannot change a count by type: no count at all
            await asyncio.sleep(0.6)
        assert not [s.sql for s in counter.statements if "COUNT(*)" in s.sql]
        assert live.counts.computations(desk.workspace_id, where) == computed + 1
    finally:
        for socket in sockets:
            await socket.__aexit__(None, None, None)
    await asyncio.sleep(0.05)
    assert live.counts.active == 0
    assert live.feed.workspaces == 0


async def test_conversation_events_follow_matching_conversations_and_resume(
    api: Api, server_url: str
) -> None:
    desk = await Desk.open(api)
    other = await Desk.open(api, "Globex")
    async with open_socket(server_url, key=desk.key) as socket:
        await socket.subscribe("e", EVENTS, {"f": {"types": ["TEST"]}})
        await asyncio.sleep(0.1)
        widget, _ = await desk.start("WEB_WIDGET")  # does not match
        await other.start()  # another workspace
        test, _ = await desk.start()
        await desk.send(test, 1)
        await desk.extract(test, "refund")
        await desk.send(widget, 1)
        first = [(await socket.next("e"))["conversationEvents"] for _ in range(3)]
        assert [(e["kind"], e["conversation"]["id"]) for e in first] == [
            ("STARTED", test),
            ("UPDATED", test),
            ("UPDATED", test),
        ]
        cursor = first[-1]["cursor"]
    await desk.send(test, 2)
    await desk.end(test)
    async with open_socket(server_url, key=desk.key) as socket:
        await socket.subscribe("e", EVENTS, {"f": {"types": ["TEST"]}, "after": cursor})
        missed = [(await socket.next("e"))["conversationEvents"] for _ in range(2)]
        assert [(e["kind"], e["conversation"]["messageCount"]) for e in missed] == [
            ("UPDATED", 2),
            ("ENDED", 2),
        ]
        await desk.start()
        assert (await socket.next("e"))["conversationEvents"]["kind"] == "STARTED"


async def test_the_last_message_before_the_end_is_never_lost(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    for _ in range(5):  # the engine's usual pattern: last reply, then end, back to back
        conversation, _ = await desk.start()
        async with open_socket(server_url, key=desk.key) as socket:
            await socket.subscribe("m", MESSAGES, {"id": conversation})
            await asyncio.sleep(0.05)
            await desk.send(conversation, 1)
            await desk.send(conversation, 2)
            await desk.end(conversation)
            assert [s for s, _ in await sequences(socket, "m", 2)] == [1, 2]
            assert await socket.receive() == {"id": "m", "type": "complete"}


async def test_a_list_of_active_conversations_hears_when_one_ends(
    api: Api, server_url: str
) -> None:
    desk = await Desk.open(api)
    async with open_socket(server_url, key=desk.key) as socket:
        await socket.subscribe("e", EVENTS, {"f": {"statuses": ["ACTIVE"]}})
        await asyncio.sleep(0.1)
        conversation, _ = await desk.start()
        assert (await socket.next("e"))["conversationEvents"]["kind"] == "STARTED"
        await desk.end(conversation)  # no longer ACTIVE, yet the list must hear it left
        ended = (await socket.next("e"))["conversationEvents"]
        assert (ended["kind"], ended["conversation"]["id"]) == ("ENDED", conversation)


async def test_a_revoked_key_stops_its_subscriptions(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    create = "mutation { createApiKey(input: {kind: SECRET}) { secret apiKey { id } } }"
    made = (await api(create, key=desk.key)).data["createApiKey"]
    doomed = made["secret"]
    async with open_socket(server_url, key=doomed) as socket:
        await socket.subscribe("c", COUNT)
        assert await socket.next("c") == {"conversationCount": 0}
        revoke = "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }"
        assert (await api(revoke, {"id": made["apiKey"]["id"]}, key=desk.key)).codes == []
        await asyncio.sleep(1.1)  # past the once-a-second recheck
        await desk.start()  # a change its count would have shown
        assert (await socket.closed())[0] == 4403


async def test_queries_over_a_socket_see_fresh_data(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    read = "query($id: ID!) { conversation(id: $id) { variables { name value } } }"
    async with open_socket(server_url, key=desk.key) as socket:
        await socket.subscribe("q1", read, {"id": conversation})
        assert (await socket.next("q1"))["conversation"]["variables"] == []
        assert await socket.receive() == {"id": "q1", "type": "complete"}
        await desk.extract(conversation, "refund")
        await socket.subscribe("q2", read, {"id": conversation})
        assert (await socket.next("q2"))["conversation"]["variables"] == [
            {"name": "intent", "value": "refund"}
        ]
