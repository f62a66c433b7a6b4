"""Ends conversations that went quiet, from every server process, never one twice; forgets
expired session tokens and webhook deliveries settled a month ago; and erases conversations past
their workspace's retention.

The state lives in the database, so the sweeper survives restarts; the UPDATE only takes ACTIVE
rows, and a concurrent sweeper waiting on the same row lock re-checks that condition once the first
commits, so each idle conversation is ended, and its ENDED event written, exactly once.
`endedAt` is its last activity: when it really stopped.
"""

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from models import ConversationSession
from models.enums import ConversationStatus, EventKind
from resolvers.database.sql import Params, dialect, fetch
from resolvers.events.log import change, record_events
from resolvers.limits.bounds import Bounds
from resolvers.replies import abandon_quiet_replies
from resolvers.retention import apply_retention
from resolvers.turns import queue_extractions
from resolvers.webhookqueue import forget_old_deliveries

logger = logging.getLogger("parley.sweeper")


async def end_idle_conversations(idle_for: timedelta, now: datetime | None = None) -> list[int]:
    """Ends every ACTIVE conversation idle for longer than `idle_for`; returns their ids."""
    now = now or datetime.now(UTC)
    params = Params(dialect())
    sql = (
        f"UPDATE conversation SET status = {params.add(ConversationStatus.ENDED)}, "
        "ended_at = last_activity_at "
        f"WHERE status = {params.add(ConversationStatus.ACTIVE)} "
        f"AND last_activity_at < {params.add(now - idle_for)} "
        "RETURNING id, workspace_id"
    )
    async with change() as connection:
        rows = await fetch(sql, params, using=connection)
        ended = [(int(row["workspace_id"]), int(row["id"])) for row in rows]
        await record_events(ended, EventKind.ENDED, now)
        await queue_extractions([pk for _, pk in ended], now)
    return sorted(pk for _, pk in ended)


async def forget_expired_sessions(now: datetime | None = None) -> int:
    """Deletes session tokens past their expiry: they authenticate nothing any more."""
    return await ConversationSession.filter(expires_at__lt=now or datetime.now(UTC)).delete()


async def sweep_forever(bounds: Bounds) -> None:
    """The lifespan's background task: sweep now, then every `sweep_interval_seconds`."""
    idle_for = timedelta(seconds=bounds.idle_timeout_seconds)
    quiet_for = timedelta(seconds=bounds.reply_timeout_seconds)
    while True:
        try:
            ended = await end_idle_conversations(idle_for)
            if ended:
                logger.info("ended %d idle conversations", len(ended))
            if abandoned := await abandon_quiet_replies(quiet_for):
                logger.info("abandoned %d streamed replies gone quiet", len(abandoned))
            await forget_expired_sessions()
            if erased := await apply_retention():
                logger.info("erased %d conversations past their workspace's retention", erased)
            await forget_old_deliveries()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("sweeping idle conversations failed; trying again next round")
        await asyncio.sleep(bounds.sweep_interval_seconds)
