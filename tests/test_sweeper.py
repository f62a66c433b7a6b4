"""Idle conversations end by themselves, once, whichever process sweeps."""

import asyncio
from datetime import UTC, datetime, timedelta

from models import Conversation, ConversationSession, Event
from models.enums import ConversationStatus, EventKind
from resolvers.limits.bounds import Bounds
from resolvers.sweeper import end_idle_conversations, forget_expired_sessions, sweep_forever
from tests.support import factories

IDLE = timedelta(minutes=30)


async def conversations() -> tuple[int, int, int]:
    """An idle active conversation, a recently active one, and an idle one that already ended."""
    workspace_id, _ = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    idle = await factories.conversation(
        workspace_id, bot.id, minute=0, messages=[factories.said("hi", 5)]
    )
    fresh = await factories.conversation(workspace_id, bot.id, minute=100)
    ended = await factories.conversation(workspace_id, bot.id, minute=0, ended_minute=2)
    return idle.id, fresh.id, ended.id


async def test_only_idle_active_conversations_end_and_at_their_last_activity() -> None:
    idle, fresh, ended = await conversations()
    now = factories.at(100) + timedelta(minutes=10)
    assert await end_idle_conversations(IDLE, now) == [idle]
    row = await Conversation.get(id=idle)
    assert row.status is ConversationStatus.ENDED
    assert row.ended_at == factories.at(5)
    assert (await Conversation.get(id=fresh)).status is ConversationStatus.ACTIVE
    assert (await Conversation.get(id=ended)).ended_at == factories.at(2)
    events = await Event.filter(kind=EventKind.ENDED, conversation_id=idle)
    assert len(events) == 1


async def test_sweepers_running_together_end_each_conversation_once() -> None:
    idle, _, _ = await conversations()
    now = factories.at(100) + timedelta(minutes=10)
    results = await asyncio.gather(*(end_idle_conversations(IDLE, now) for _ in range(4)))
    assert sorted(pk for result in results for pk in result) == [idle]
    assert await Event.filter(kind=EventKind.ENDED, conversation_id=idle).count() == 1
    assert await end_idle_conversations(IDLE, now) == []


async def test_the_background_sweeper_keeps_sweeping_until_cancelled() -> None:
    idle, fresh, _ = await conversations()
    # With real time, everything from T0 (in the past) is idle: both active ones end.
    task = asyncio.create_task(sweep_forever(Bounds(sweep_interval_seconds=1)))
    try:
        for _ in range(100):
            if await Conversation.filter(status=ConversationStatus.ACTIVE).count() == 0:
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    for pk in (idle, fresh):
        assert (await Conversation.get(id=pk)).status is ConversationStatus.ENDED
    assert datetime.now(UTC) > factories.at(0)


async def test_expired_session_tokens_are_forgotten() -> None:
    idle, fresh, _ = await conversations()
    now = datetime.now(UTC)
    await ConversationSession.create(
        conversation_id=idle, token_hash="a" * 64, expires_at=now - timedelta(seconds=1)
    )
    await ConversationSession.create(
        conversation_id=fresh, token_hash="b" * 64, expires_at=now + timedelta(hours=1)
    )
    assert await forget_expired_sessions(now) == 1
    assert [row.conversation_id for row in await ConversationSession.all()] == [fresh]
