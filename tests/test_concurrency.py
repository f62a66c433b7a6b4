"""Many writers at once into one conversation: gap-free sequences, exact totals, no duplicates.

These matter on PostgreSQL, where writers really run in parallel (SQLite runs one write
transaction at a time); they run on both.
"""

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from models import Conversation, Event, Message, Workspace
from models.enums import EventKind
from resolvers.database.sql import Params, fetch
from resolvers.ids import decode_id, encode_id
from tests.support import factories
from tests.support.api import Api
from tests.support.database import BACKEND
from tests.support.waiting import bounded

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  message { id sequence } } }"""
WRITERS = 20


async def started(api: Api) -> tuple[str, str]:
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    result = await api(
        "mutation($a: ID!) { startConversation(input: {assistantId: $a}) { conversation { id } } }",
        {"a": encode_id("Assistant", bot.id)},
        key=key,
    )
    return key, result.data["startConversation"]["conversation"]["id"]


def reply(conversation: str, n: int) -> dict[str, Any]:
    return {
        "input": {
            "conversationId": conversation,
            "clientMessageId": f"reply-{n}",
            "role": "ASSISTANT",
            "content": f"answer {n}",
            "usage": {
                "provider": "openai",
                "model": "gpt-4o-mini" if n % 2 else "gpt-4o",
                "inputTokens": 100 + n,
                "outputTokens": 10 + n,
                "cachedInputTokens": n,
            },
        }
    }


async def test_concurrent_writers_get_gap_free_sequences_and_exact_totals(api: Api) -> None:
    key, conversation = await started(api)
    results = await asyncio.gather(
        *(api(SEND, reply(conversation, n), key=key) for n in range(WRITERS))
    )
    sequences = sorted(result.data["sendMessage"]["message"]["sequence"] for result in results)
    assert sequences == list(range(1, WRITERS + 1))

    row = await Conversation.get()
    messages = await Message.all()
    assert row.message_count == len(messages) == WRITERS
    assert row.input_tokens == sum(m.input_tokens or 0 for m in messages)
    assert row.output_tokens == sum(m.output_tokens or 0 for m in messages)
    assert row.cached_input_tokens == sum(m.cached_input_tokens or 0 for m in messages)
    assert row.cost == sum((m.cost for m in messages if m.cost is not None), Decimal(0))
    assert row.cost > 0
    assert row.unpriced_replies == 0


async def test_concurrent_retries_of_one_message_store_it_once(api: Api) -> None:
    key, conversation = await started(api)
    same = reply(conversation, 7)
    results = await asyncio.gather(*(api(SEND, same, key=key) for _ in range(WRITERS)))
    ids = {result.data["sendMessage"]["message"]["id"] for result in results}
    assert len(ids) == 1
    assert await Message.all().count() == 1
    assert (await Conversation.get()).message_count == 1


async def test_writers_of_many_conversations_number_events_so_no_reader_skips_one(
    api: Api,
) -> None:
    """Events of one workspace are numbered as they are written on SQLite, and by the sequencer
    right after their writers commit on PostgreSQL (resolvers/events/sequencer.py): many
    conversations written at once still see their numbers become visible in order, so a reader
    that takes everything after the last number it saw (as the live views do) never passes a gap
    that a later commit fills."""
    key, first = await started(api)
    others = [await api(START, {"a": await _assistant_of(first)}, key=key) for _ in range(7)]
    conversations = [first] + [
        result.data["startConversation"]["conversation"]["id"] for result in others
    ]
    workspace_id = (await Conversation.get(id=decode_id(first, "Conversation"))).workspace_id
    seen: list[int] = []
    writing = True

    async def read() -> None:
        while writing or not seen or seen[-1] < await _last(workspace_id):
            after = seen[-1] if seen else 0
            rows = await Event.filter(workspace_id=workspace_id, seq__gt=after)
            numbers = sorted(row.seq for row in rows)
            # Whatever is visible after the last number seen follows it without a hole.
            assert numbers == list(range(after + 1, after + 1 + len(numbers))), (after, numbers)
            seen.extend(numbers)
            await asyncio.sleep(0)

    reader = asyncio.create_task(read())
    results = await asyncio.gather(
        *(
            api(SEND, reply(conversation, n), key=key)
            for n in range(WRITERS)
            for conversation in conversations
        )
    )
    writing = False
    await reader
    assert all("errors" not in result.body for result in results)
    total = await Event.filter(workspace_id=workspace_id).count()
    assert seen == list(range(1, total + 1))
    assert total == len(conversations) + WRITERS * len(conversations)  # starts and messages


@pytest.mark.skipif(BACKEND != "postgres", reason="SQLite numbers each event as it is written")
async def test_an_event_whose_writer_died_after_its_commit_is_numbered_within_seconds(
    api: Api,
) -> None:
    """A writer that commits and dies before the sequencer's run leaves its event unnumbered;
    the process's sweep finds it and numbers it next in line."""
    _, conversation = await started(api)
    pk = decode_id(conversation, "Conversation")
    workspace_id = (await Conversation.get(id=pk)).workspace_id
    before = await _last(workspace_id)
    params = Params("postgres")
    await fetch(  # the writer's commit, and no run after it
        "INSERT INTO conversation_event (workspace_id, conversation_id, kind, created_at) "
        f"VALUES ({params.add(workspace_id)}, {params.add(pk)}, "
        f"{params.add(EventKind.LABELLED)}, now())",
        params,
    )
    async with bounded(5, "the sweep to number the event"):
        while await _last(workspace_id) == before:  # noqa: ASYNC110 (the database is polled)
            await asyncio.sleep(0.05)
    event = await Event.get(workspace_id=workspace_id, kind=EventKind.LABELLED)
    assert event.seq == before + 1 == await _last(workspace_id)


START = "mutation($a: ID!) { startConversation(input: {assistantId: $a}) { conversation { id } } }"


async def _assistant_of(conversation: str) -> str:
    row = await Conversation.get(id=decode_id(conversation, "Conversation"))
    return encode_id("Assistant", row.assistant_id)


async def _last(workspace_id: int) -> int:
    return int((await Workspace.get(id=workspace_id)).event_seq)
