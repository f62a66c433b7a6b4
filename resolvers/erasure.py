"""Erasure: a conversation, or every conversation of a visitor, gone at once and for good.

One transaction deletes the conversations with everything they hold (messages and their search
index, variables and their history, usage history, sessions: the database cascades), deletes
their events and webhook deliveries, and writes one ERASED event each, so live views drop them,
a subscriber that resumes from an older cursor learns it too, and webhook endpoints hear it;
badge counts follow through their triggers. An audit
record keeps who erased how many and when, never what they held or whose they were.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models import Erasure
from models.enums import EventKind
from resolvers.callers.caller import Caller
from resolvers.database.sql import Params, fetch
from resolvers.errors import BadUserInput, NotFound
from resolvers.events.log import change, record_events
from resolvers.filters import canonical_json

MAX_ERASED = 10_000
"""Conversations one erasure takes (a visitor with more is erased in several calls)."""


@dataclass(frozen=True)
class Erased:
    conversations: int
    erased_at: datetime


async def delete_conversation(caller: Caller, conversation_id: int) -> Erased:
    caller.require_writer()
    return await erase(
        caller.workspace_id,
        caller.key_id,
        "CONVERSATION",
        "c.id = {}",
        [conversation_id],
        must_find=True,
    )


async def erase_visitor(
    caller: Caller, session_id: str | None, variable: tuple[str, Any] | None
) -> Erased:
    """Every conversation of the visitor with this widget session ID, or whose variable `name`
    equals `value` (their email, say)."""
    caller.require_writer()
    if (session_id is None) == (variable is None):
        raise BadUserInput("Erase a visitor by sessionId or by variable, one of them.")
    workspace_id, key_id = caller.workspace_id, caller.key_id
    if session_id is not None:
        condition, values, reason = "c.visitor_session_id = {}", [session_id], "VISITOR_SESSION"
    else:
        assert variable is not None
        name, value = variable
        condition = (
            "c.id IN (SELECT conversation_id FROM variable WHERE name = {} AND value_json = {})"
        )
        values, reason = [name, canonical_json(value)], "VISITOR_VARIABLE"
    return await erase(workspace_id, key_id, reason, condition, values)


async def erase(
    workspace_id: int,
    by_key_id: int | None,
    reason: str,
    condition: str,
    values: list[Any],
    *,
    must_find: bool = False,
    batch: int | None = None,
) -> Erased:
    """Erases the workspace's conversations meeting `condition` (SQL on `conversation c` with
    `{}` for each of `values`). With `batch`, at most that many, skipping rows another process
    is erasing (the retention job); otherwise all of them, BAD_USER_INPUT past MAX_ERASED."""
    now = datetime.now(UTC)
    async with change() as connection:
        params = Params(str(connection.capabilities.dialect))
        workspace = params.add(workspace_id)
        matching = condition.format(*(params.add(value) for value in values))
        lock = ""
        if params.dialect == "postgres":
            lock = " FOR UPDATE SKIP LOCKED" if batch is not None else " FOR UPDATE"
        limit = batch if batch is not None else MAX_ERASED + 1
        sql = (
            f"SELECT c.id FROM conversation c WHERE c.workspace_id = {workspace} AND {matching} "
            f"ORDER BY c.id LIMIT {params.add(limit)}{lock}"
        )
        ids = [int(row["id"]) for row in await fetch(sql, params, using=connection)]
        if must_find and not ids:
            raise NotFound("Conversation not found.")
        if batch is None and len(ids) > MAX_ERASED:
            raise BadUserInput(f"More than {MAX_ERASED:,} conversations: erase them in parts.")
        if not ids and batch is not None:
            return Erased(0, now)  # a retention round with nothing to do leaves no record
        if ids:
            gone = Params(params.dialect)
            events = (
                f"DELETE FROM conversation_event WHERE workspace_id = "
                f"{gone.add(workspace_id)} AND conversation_id IN {gone.add_all(ids)}"
            )
            await connection.execute_query(events, gone.values)
            # Webhooks not yet sent for it are dropped (their records are gone); the ERASED
            # event written below is what its endpoints hear next.
            queued = Params(params.dialect)
            await connection.execute_query(
                f"DELETE FROM webhook_delivery WHERE workspace_id = {queued.add(workspace_id)} "
                f"AND conversation_id IN {queued.add_all(ids)}",
                queued.values,
            )
            rows = Params(params.dialect)
            await connection.execute_query(
                f"DELETE FROM conversation WHERE id IN {rows.add_all(ids)}", rows.values
            )
            await record_events([(workspace_id, pk) for pk in ids], EventKind.ERASED, now)
        await Erasure.create(
            workspace_id=workspace_id,
            by_key_id=by_key_id,
            reason=reason,
            conversations=len(ids),
            erased_at=now,
        )
    return Erased(len(ids), now)
