"""Badge counts stay exact with many writers at once: starts, ends, sweepers, handover moves and
bulk updates over the same counts, and no two of them deadlock.

These matter on PostgreSQL, where writers really run in parallel (SQLite runs one write
transaction at a time); they run on both.
"""

import asyncio
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from models import Agent, Conversation
from models.enums import ConversationType, Handling
from resolvers.database.sql import Params, dialect, fetch
from resolvers.ids import encode_id
from resolvers.sweeper import end_idle_conversations
from tests.support import factories
from tests.support.api import Api
from tests.support.tallies import assert_badges_exact

START = """mutation($input: StartConversationInput!) {
  startConversation(input: $input) { conversation { id } } }"""
END = "mutation($id: ID!) { endConversation(conversationId: $id) { conversation { status } } }"
TYPES = (ConversationType.TEST, ConversationType.WEB_WIDGET)


async def test_concurrent_starts_ends_and_sweepers_keep_the_counts_exact(api: Api) -> None:
    workspace_id, key = await factories.workspace()
    bots = [await factories.assistant(workspace_id, name=f"bot {i}") for i in range(3)]
    for minute in range(30):  # idle since T0: the sweepers end these
        await factories.conversation(
            workspace_id, bots[minute % 3].id, minute=minute, type=TYPES[minute % 2]
        )

    async def start(n: int) -> str:
        payload = {"assistantId": encode_id("Assistant", bots[n % 3].id), "type": TYPES[n % 2]}
        result = await api(START, {"input": payload}, key=key)
        conversation_id: str = result.data["startConversation"]["conversation"]["id"]
        return conversation_id

    async def end(conversation_id: str) -> None:
        result = await api(END, {"id": conversation_id}, key=key)
        assert result.data["endConversation"]["conversation"]["status"] == "ENDED"

    to_end = await asyncio.gather(*(start(n) for n in range(20)))
    await assert_badges_exact({workspace_id: [bot.id for bot in bots]})

    now = datetime.now(UTC)
    idle = timedelta(minutes=30)
    starts = asyncio.gather(*(start(n) for n in range(40)))
    ends = asyncio.gather(
        *(end(conversation_id) for conversation_id in to_end),
        *(end(conversation_id) for conversation_id in to_end[:5]),  # twice at once
    )
    sweeps = asyncio.gather(end_idle_conversations(idle, now), end_idle_conversations(idle, now))
    _, _, (first, second) = await asyncio.gather(starts, ends, sweeps)
    assert len(first) + len(second) == len({*first, *second}) == 30
    await assert_badges_exact({workspace_id: [bot.id for bot in bots]})


async def test_concurrent_multi_row_updates_over_the_same_counts_do_not_deadlock() -> None:
    """Each statement changes rows of every assistant, type and status, listed in another order;
    the tally applies each statement's deltas in key order, so they wait, never deadlock."""
    workspace_id, _ = await factories.workspace()
    bots = [await factories.assistant(workspace_id, name=f"bot {i}") for i in range(4)]
    now = datetime.now(UTC)
    await Conversation.bulk_create(
        [
            Conversation(
                workspace_id=workspace_id,
                assistant_id=bots[i % 4].id,
                type=TYPES[i % 2],
                started_at=now,
                last_activity_at=now,
            )
            for i in range(400)
        ]
    )
    ids = sorted(await Conversation.all().values_list("id", flat=True))
    writers = 8
    flip = (
        "UPDATE conversation SET type = CASE type WHEN 'TEST' THEN 'WEB_WIDGET' ELSE 'TEST' END, "
        "status = CASE status WHEN 'ACTIVE' THEN 'ENDED' ELSE 'ACTIVE' END WHERE id IN "
    )

    async def writer(n: int) -> None:
        mine = ids[n::writers]
        for round_ in range(5):
            order = mine if (n + round_) % 2 else mine[::-1]
            params = Params(dialect())
            async with in_transaction() as connection:
                await fetch(flip + params.add_all(order), params, using=connection)

    await asyncio.gather(*(writer(n) for n in range(writers)))
    await assert_badges_exact({workspace_id: [bot.id for bot in bots]})


REQUEST = "mutation($id: ID!) { requestPerson(conversationId: $id) { handling } }"
TAKE = "mutation($id: ID!) { takeOver(conversationId: $id) { handling } }"
BACK = "mutation($id: ID!) { handBack(conversationId: $id) { handling } }"
ASSIGN = """mutation($id: ID!, $agent: ID) {
  assignConversation(conversationId: $id, agentId: $agent) { assigneeId } }"""
AGENT = "mutation($name: String!) { createAgent(name: $name) { secret agent { id } } }"


async def test_concurrent_handover_moves_keep_the_inbox_counts_exact(api: Api) -> None:
    """Agents take over, hand back and reassign the same conversations at once, while the
    engine asks for people: the counts by handling and assignee stay exact."""
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    agents = [(await api(AGENT, {"name": name}, key=key)).data["createAgent"] for name in "ABC"]
    agent_ids = [agent["agent"]["id"] for agent in agents]
    payload = {"assistantId": encode_id("Assistant", bot.id), "type": "WEB_WIDGET"}
    started = [
        (await api(START, {"input": payload}, key=key)).data["startConversation"]["conversation"][
            "id"
        ]
        for _ in range(12)
    ]

    async def moves(n: int) -> list[str]:
        agent, codes = agents[n % 3], []
        for round_, conversation in enumerate(started[n % 4 :: 2]):
            codes += (await api(REQUEST, {"id": conversation}, key=key)).codes
            codes += (await api(TAKE, {"id": conversation}, key=agent["secret"])).codes
            assign = {"id": conversation, "agent": agent_ids[round_ % 3]}
            codes += (await api(ASSIGN, assign, key=key)).codes
            if round_ % 2:
                codes += (await api(BACK, {"id": conversation}, key=key)).codes
        return codes

    assert await asyncio.gather(*(moves(n) for n in range(6))) == [[]] * 6
    rows = await Conversation.filter(workspace_id=workspace_id)
    assert {row.handling for row in rows} == {Handling.ASSISTANT, Handling.AGENT}
    mine = [agent.id for agent in await Agent.filter(workspace_id=workspace_id)]
    await assert_badges_exact({workspace_id: [bot.id]}, agents={workspace_id: mine})
