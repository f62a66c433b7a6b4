"""Migrations 0007 and 0025 count the conversations that existed before them, then keep counting.

Each test takes this database back to before the migration (its own `backward`, and 0025's first
for 0007), writes conversations, and applies `forward` again, all in one transaction: whatever
fails, the database is left as the migrations made it.
"""

import importlib
from datetime import UTC, datetime
from types import SimpleNamespace

from tortoise.transactions import in_transaction

from models import Agent, Conversation
from models.enums import ConversationStatus, ConversationType, Handling
from resolvers.database.sql import Params, dialect, fetch
from tests.support import factories
from tests.support.tallies import assert_badges_exact, tally_rows

TALLY = importlib.import_module("models.migrations.0007_conversation_tally")
HANDLING = importlib.import_module("models.migrations.0025_tally_handling")


async def test_the_migration_backfills_existing_conversations_and_triggers_follow() -> None:
    workspace_id, _ = await factories.workspace()
    other, _ = await factories.workspace("Other")
    bots = [await factories.assistant(workspace_id, name=f"bot {i}") for i in range(2)]
    stranger = await factories.assistant(other)
    workspaces = {workspace_id: [bot.id for bot in bots], other: [stranger.id]}
    await factories.conversation(workspace_id, bots[0].id, ended_minute=1)
    now = datetime.now(UTC)

    async with in_transaction() as connection:
        editor = SimpleNamespace(client=connection)
        await HANDLING.backward(None, editor)
        await TALLY.backward(None, editor)
        await Conversation.bulk_create(
            [
                Conversation(
                    workspace_id=other if i % 7 == 0 else workspace_id,
                    assistant_id=stranger.id if i % 7 == 0 else bots[i % 2].id,
                    type=ConversationType.TEST if i % 3 else ConversationType.WEB_WIDGET,
                    status=ConversationStatus.ENDED if i % 4 else ConversationStatus.ACTIVE,
                    started_at=now,
                    last_activity_at=now,
                )
                for i in range(50)
            ],
            using_db=connection,
        )
        await TALLY.forward(None, editor)
        await HANDLING.forward(None, editor)
        assert sum((await tally_rows(connection)).values()) == 51
        await assert_badges_exact(workspaces, using=connection)

    await factories.conversation(workspace_id, bots[1].id)
    await fetch("UPDATE conversation SET status = 'ENDED'", Params(dialect()))
    await assert_badges_exact(workspaces)


async def test_0025_counts_handlings_and_assignees_of_earlier_conversations_then_follows() -> None:
    workspace_id, _ = await factories.workspace()
    other, _ = await factories.workspace("Other")
    bot = await factories.assistant(workspace_id)
    stranger = await factories.assistant(other)
    ada = await Agent.create(workspace_id=workspace_id, name="Ada")
    bob = await Agent.create(workspace_id=workspace_id, name="Bob")
    workspaces = {workspace_id: [bot.id], other: [stranger.id]}
    agents = {workspace_id: [ada.id, bob.id]}
    now = datetime.now(UTC)
    handlings = list(Handling)

    async with in_transaction() as connection:
        editor = SimpleNamespace(client=connection)
        await HANDLING.backward(None, editor)  # 0007's tally counts these, by type and status
        await Conversation.bulk_create(
            [
                Conversation(
                    workspace_id=other if i % 9 == 0 else workspace_id,
                    assistant_id=stranger.id if i % 9 == 0 else bot.id,
                    type=ConversationType.WEB_WIDGET,
                    status=ConversationStatus.ENDED if i % 4 == 0 else ConversationStatus.ACTIVE,
                    handling=handlings[i % 3],
                    assignee_id=(None, ada.id, bob.id)[i % 5 % 3] if i % 9 else None,
                    started_at=now,
                    last_activity_at=now,
                )
                for i in range(40)
            ],
            using_db=connection,
        )
        await HANDLING.forward(None, editor)
        assert sum((await tally_rows(connection)).values()) == 40
        await assert_badges_exact(workspaces, using=connection, agents=agents)

    params = Params(dialect())
    await fetch(
        f"UPDATE conversation SET handling = 'AGENT', assignee_id = {params.add(bob.id)} "
        "WHERE handling = 'WAITING'",
        params,
    )
    await assert_badges_exact(workspaces, agents=agents)
    await fetch("UPDATE conversation SET assignee_id = NULL WHERE id % 2 = 0", Params(dialect()))
    await assert_badges_exact(workspaces, agents=agents)
    await fetch("DELETE FROM conversation WHERE handling = 'ASSISTANT'", Params(dialect()))
    await assert_badges_exact(workspaces, agents=agents)
