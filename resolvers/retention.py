"""Retention: each workspace's conversations erased once they are older than it keeps them.

Every server process runs it with its sweeper; rounds are small (RETENTION_BATCH conversations a
transaction, so no lock is held long and live traffic is not held up) and safe side by side (on
PostgreSQL each round skips the rows another process is erasing). A conversation counts from when
it started; one started within the kept days is never touched, whatever is being written
meanwhile. Erasure itself is resolvers/erasure.py: the same events, counts and audit (reason
RETENTION, no key).
"""

import logging
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter

from models import Workspace
from models.enums import ConversationType
from resolvers.erasure import erase
from resolvers.errors import BadUserInput

logger = logging.getLogger("parley.retention")

RETENTION_BATCH = 500
ROUNDS = 20
"""Batches a workspace's type gets per sweep: a big backlog is worked off over several sweeps."""
MAX_DAYS = 36_500

ERASED = Counter(
    "parley_retention_erased",
    "Conversations erased by retention, by type.",
    ["type"],
)


async def apply_retention(now: datetime | None = None) -> int:
    """One sweep over every workspace that keeps conversations for a limited time; returns how
    many conversations it erased."""
    now = now or datetime.now(UTC)
    erased = 0
    workspaces = await Workspace.exclude(keep_web_widget_days=None, keep_test_days=None).only(
        "id", "keep_web_widget_days", "keep_test_days"
    )
    for workspace in workspaces:
        for kind, days in (
            (ConversationType.WEB_WIDGET, workspace.keep_web_widget_days),
            (ConversationType.TEST, workspace.keep_test_days),
        ):
            if days is None:
                continue
            cutoff = now - timedelta(days=days)
            for _ in range(ROUNDS):
                done = await erase(
                    workspace.id,
                    None,
                    "RETENTION",
                    "c.type = {} AND c.started_at < {}",
                    [kind, cutoff],
                    batch=RETENTION_BATCH,
                )
                erased += done.conversations
                ERASED.labels(kind.value).inc(done.conversations)
                if done.conversations < RETENTION_BATCH:
                    break
    return erased


async def set_retention(
    workspace_id: int, web_widget_days: int | None, test_days: int | None
) -> Workspace:
    for days in (web_widget_days, test_days):
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise BadUserInput(f"Keep conversations 1 to {MAX_DAYS:,} days, or null: forever.")
    workspace = await Workspace.get(id=workspace_id)
    workspace.keep_web_widget_days, workspace.keep_test_days = web_widget_days, test_days
    await workspace.save(update_fields=["keep_web_widget_days", "keep_test_days"])
    return workspace
