"""Streamed replies: opened, appended in order (a retried piece changes nothing), finished with
their usage or abandoned; watchers see the text grow, a late one from the text so far, without a
gap or a repeat; the database sees a bounded number of writes per reply."""

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from starlette.applications import Starlette

from resolvers.replies import abandon_quiet_replies
from server.settings import Settings
from subscriptions.live import Live
from tests.support import factories
from tests.support.api import Api
from tests.support.database import BACKEND
from tests.support.live import MESSAGES, Desk
from tests.support.replies import (
    APPEND,
    CHUNKS,
    READ,
    Reply,
    chunks_until,
    stream_text,
)
from tests.support.servers import served
from tests.support.ws import open_socket

WORDS = [f"word{n} " for n in range(200)]


async def test_a_reply_streams_to_a_watcher_and_is_recorded_once_with_its_cost(
    api: Api, server_url: str
) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start()
    await desk.send(conversation, 1, "Hello")
    async with (
        open_socket(server_url, key=token) as widget,  # the visitor's own session token
        open_socket(server_url, key=desk.key) as dashboard,
    ):
        await widget.subscribe("r", CHUNKS, {"id": conversation})
        await dashboard.subscribe("m", MESSAGES, {"id": conversation})
        assert (await dashboard.next("m"))["messageAdded"]["node"]["sequence"] == 1
        reply = await Reply.open(api, desk.key, conversation)
        opened = (await dashboard.next("m"))["messageAdded"]["node"]
        assert (opened["sequence"], opened["content"]) == (2, "")
        assert await chunks_until(widget, "r", "") == [("", 0, "STREAMING")]  # typing
        for word in WORDS[:5]:
            await reply.append(word)
        seen = await chunks_until(widget, "r", "".join(WORDS[:5]))
        assert [offset for _, offset, _ in seen] == [0, 6, 12, 18, 24]
        finished = await reply.finish(
            usage={
                "provider": "openai",
                "model": "gpt-4o",
                "inputTokens": 1000,
                "outputTokens": 200,
            }
        )
        last = (await widget.next("r"))["replyChunks"]
        assert (last["state"], last["offset"], last["text"]) == ("COMPLETE", 0, "".join(WORDS[:5]))
        again = (await dashboard.next("m"))["messageAdded"]["node"]
        assert (again["sequence"], again["content"]) == (2, "".join(WORDS[:5]))
    message = finished["message"]
    assert message["state"] == "COMPLETE"
    assert message["content"] == "".join(WORDS[:5])
    # gpt-4o at $2.50 / $10 per million tokens, from the price table.
    assert Decimal(message["usage"]["cost"]) == Decimal("0.0045")
    assert message["timeToFirstTokenMs"] >= 0
    assert message["generationMs"] >= message["timeToFirstTokenMs"]
    totals = finished["conversation"]
    assert (totals["messageCount"], Decimal(totals["usage"]["cost"])) == (2, Decimal("0.0045"))


async def test_appends_are_idempotent_by_offset_and_refuse_other_text(api: Api) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    reply = await Reply.open(api, desk.key, conversation)
    assert await reply.append("Hello, ") == 7
    again = await api(APPEND, {"input": reply.piece(0, "Hello, ")}, key=desk.key)
    assert again.data["appendReply"]["length"] == 7  # a retry: nothing changes
    overlap = await api(APPEND, {"input": reply.piece(0, "Hello, world")}, key=desk.key)
    assert overlap.data["appendReply"]["length"] == 12  # what continues it is added
    other = await api(APPEND, {"input": reply.piece(7, "there")}, key=desk.key)
    assert other.codes == ["CONFLICT"]
    empty = await api(APPEND, {"input": reply.piece(12, "")}, key=desk.key)
    assert empty.codes == ["BAD_USER_INPUT"]
    finished = await reply.finish()
    assert finished["message"]["content"] == "Hello, world"
    late = await api(APPEND, {"input": reply.piece(12, "!")}, key=desk.key)
    assert late.codes == ["CONFLICT"]
    assert (await reply.finish())["message"]["content"] == "Hello, world"  # a retried finish


async def test_a_watcher_joining_mid_reply_gets_the_text_so_far_then_the_rest(
    api: Api, server_url: str
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    reply = await Reply.open(api, desk.key, conversation)
    for word in WORDS[:50]:
        await reply.append(word)
    async with open_socket(server_url, key=desk.key) as late:
        await late.subscribe("r", CHUNKS, {"id": conversation})
        first = (await late.next("r"))["replyChunks"]
        assert (first["offset"], first["text"]) == (0, "".join(WORDS[:50]))
        writer = asyncio.create_task(stream_text(reply, WORDS[50:]))
        seen = await chunks_until(late, "r", "".join(WORDS), first["text"])
        await writer
    rebuilt = first["text"]
    for text, offset, _ in seen:
        assert offset == len(rebuilt)  # no gap, no repeat
        rebuilt += text
    assert rebuilt == "".join(WORDS)


async def test_a_reply_costs_the_database_a_bounded_number_of_writes(
    api: Api, count_statements: Any
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    with count_statements() as log:
        reply = await Reply.open(api, desk.key, conversation)
        await stream_text(reply, WORDS)
        await reply.finish()
    writes = [
        s.sql
        for s in log.statements
        if s.sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "WITH"))
    ]
    print(f"{len(log.statements)} statements, {len(writes)} writes for 200 pieces")
    assert len(writes) <= 12  # opening (message, totals, event) and finishing, not 200 pieces
    assert len(log.statements) < len(WORDS) * 2.5  # a piece: its key, and a NOTIFY on PostgreSQL


async def test_an_abandoned_reply_keeps_its_text_and_says_so(api: Api, server_url: str) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    reply = await Reply.open(api, desk.key, conversation)
    await reply.append("I was about to say")
    async with open_socket(server_url, key=desk.key) as watcher:
        await watcher.subscribe("r", CHUNKS, {"id": conversation})
        await chunks_until(watcher, "r", "I was about to say")
        abandoned = await reply.abandon()
        last = (await watcher.next("r"))["replyChunks"]
    assert (last["state"], last["text"]) == ("INCOMPLETE", "I was about to say")
    assert abandoned["message"]["state"] == "INCOMPLETE"
    read = await api(READ, {"id": conversation}, key=desk.key)
    node = read.data["conversation"]["messages"]["edges"][0]["node"]
    assert (node["state"], node["content"]) == ("INCOMPLETE", "I was about to say")


async def test_a_reply_whose_engine_went_quiet_is_abandoned_with_its_checkpoint(
    api: Api, app: Starlette
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    reply = await Reply.open(api, desk.key, conversation)
    await reply.append("Half a thou")
    live: Live = app.state.live
    await live.replies.checkpoint(live.replies._replies[reply.pk])  # as after a few seconds
    assert await abandon_quiet_replies(timedelta(hours=1)) == []  # not quiet for that long
    assert await abandon_quiet_replies(timedelta(0)) == [reply.pk]
    assert await abandon_quiet_replies(timedelta(0)) == []  # each once
    read = await api(READ, {"id": conversation}, key=desk.key)
    node = read.data["conversation"]["messages"]["edges"][0]["node"]
    assert (node["state"], node["content"]) == ("INCOMPLETE", "Half a thou")


async def test_ending_a_conversation_abandons_its_streaming_reply(api: Api) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    reply = await Reply.open(api, desk.key, conversation)
    await desk.end(conversation)
    read = await api(READ, {"id": conversation}, key=desk.key)
    assert read.data["conversation"]["messages"]["edges"][0]["node"]["state"] == "INCOMPLETE"
    late = await api(APPEND, {"input": reply.piece(0, "too late")}, key=desk.key)
    assert late.codes == ["CONFLICT"]


async def test_only_a_writing_key_of_the_workspace_streams_a_reply(api: Api) -> None:
    desk = await Desk.open(api)
    conversation, token = await desk.start()
    reply = await Reply.open(api, desk.key, conversation)
    visitor = await api(APPEND, {"input": reply.piece(0, "I am the bot")}, key=token)
    assert visitor.codes == ["FORBIDDEN"]
    _, other = await factories.workspace("Other")
    foreign = await api(APPEND, {"input": reply.piece(0, "hijack")}, key=other)
    assert foreign.codes == ["NOT_FOUND"]
    assert await reply.append("mine") == 4


@pytest.mark.skipif(BACKEND != "postgres", reason="processes share PostgreSQL only")
async def test_pieces_sent_through_one_process_reach_watchers_on_another(
    api: Api, settings: Settings
) -> None:
    desk = await Desk.open(api)
    conversation, _ = await desk.start()
    async with served(settings) as first, served(settings) as second:
        reply = await Reply.open(api, desk.key, conversation, server=first)
        await stream_text(reply, WORDS[:20])
        async with open_socket(second, key=desk.key) as watcher:
            await watcher.subscribe("r", CHUNKS, {"id": conversation})
            first_chunk = (await watcher.next("r"))["replyChunks"]
            assert first_chunk["text"] == "".join(WORDS[:20])  # the second heard it all
            # Pieces alternate between the processes: each waits for the other's before it.
            await stream_text(reply, WORDS[20:], servers=[first, second])
            seen = await chunks_until(watcher, "r", "".join(WORDS), first_chunk["text"])
            await reply.finish()
            last = (await watcher.next("r"))["replyChunks"]
    rebuilt = first_chunk["text"] + "".join(text for text, _, _ in seen)
    assert rebuilt == "".join(WORDS)
    assert (last["state"], last["text"]) == ("COMPLETE", "".join(WORDS))
