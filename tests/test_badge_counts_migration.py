"""Migration 0007 counts the conversations that existed before it, then keeps counting.

The test takes this database back to before 0007 (its own `backward`), writes conversations no
trigger sees, and applies `forward` again, all in one transaction: whatever fails, the database
is left as the migrations made it.
"""

import importlib
from datetime import UTC, datetime
from types import SimpleNamespace

from tortoise.transactions import in_transaction

from models import Conversation
from models.enums import ConversationStatus, ConversationType
from resolvers.database.sql import Params, dialect, fetch
from tests.support import factories
from tests.support.tallies import assert_badges_exact, tally_rows

MIGRATION = importlib.import_module("models.migrations.0007_conversation_tally")


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
        await MIGRATION.backward(None, editor)
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
        await MIGRATION.forward(None, editor)
        assert sum((await tally_rows(connection)).values()) == 51
        await assert_badges_exact(workspaces, using=connection)

    await factories.conversation(workspace_id, bots[1].id)
    await fetch("UPDATE conversation SET status = 'ENDED'", Params(dialect()))
    await assert_badges_exact(workspaces)
