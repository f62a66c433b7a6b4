"""Checks that the badge counts kept by triggers (resolvers/counts.py) are exact.

`assert_badges_exact` compares the tally, slot by slot, with `GROUP BY` over the conversations,
and the badge count of every combination of the badge filters (types, statuses, assistants: unset,
empty, each value, all values), and of the inbox's (handlings, assignees, assigned), with `COUNT(*)`
through `conversation_where`, the list's own translation."""

import importlib
from collections.abc import Iterable, Mapping, Sequence
from itertools import product

from tortoise.backends.base.client import BaseDBAsyncClient

from models.enums import ConversationStatus, ConversationType, Handling
from resolvers.conversation import count_conversations
from resolvers.database.sql import Params, db, fetch
from resolvers.filters import ConversationFilter, conversation_where

SLOTS: int = importlib.import_module("models.migrations.0025_tally_handling").SLOTS
Key = tuple[int, int, str, str, str, int, int]
KEY = "workspace_id, assistant_id, type, status, handling, assignee, slot"
NOBODY = 999_999_999
"""An assistant id that belongs to no workspace."""


async def tally_rows(using: BaseDBAsyncClient | None = None) -> dict[Key, int]:
    """The tally's non-zero counts, per slot (rows that reached 0 may stay)."""
    return await _rows(f"SELECT {KEY}, n FROM conversation_tally WHERE n <> 0", using)


async def counted_rows(using: BaseDBAsyncClient | None = None) -> dict[Key, int]:
    """What the tally must hold, counted from the conversations, each in slot `id % SLOTS`."""
    return await _rows(
        f"SELECT {KEY}, COUNT(*) AS n FROM (SELECT workspace_id, assistant_id, type, status, "
        f"handling, COALESCE(assignee_id, 0) AS assignee, id % {SLOTS} AS slot "
        f"FROM conversation) AS c GROUP BY {KEY}",
        using,
    )


async def _rows(sql: str, using: BaseDBAsyncClient | None) -> dict[Key, int]:
    client = using or db()
    rows = await fetch(sql, Params(str(client.capabilities.dialect)), using=client)
    return {
        (
            int(r["workspace_id"]),
            int(r["assistant_id"]),
            str(r["type"]),
            str(r["status"]),
            str(r["handling"]),
            int(r["assignee"]),
            int(r["slot"]),
        ): int(r["n"])
        for r in rows
    }


async def sql_count(
    workspace_id: int, where: ConversationFilter, using: BaseDBAsyncClient | None = None
) -> int:
    """COUNT(*) as the list sees it, never from the tally."""
    client = using or db()
    params = Params(str(client.capabilities.dialect))
    condition = conversation_where(workspace_id, where, params)
    rows = await fetch(
        f"SELECT COUNT(*) AS n FROM conversation c WHERE {condition}", params, using=client
    )
    return int(rows[0]["n"])


def _choices(values: Sequence[object]) -> list[tuple[object, ...] | None]:
    return [None, (), *((value,) for value in values), tuple(values)]


def badge_filters(assistant_ids: Iterable[int]) -> list[ConversationFilter]:
    """Every combination of the badge filters over these assistants (and one of nobody's)."""
    assistants = [*_choices(list(assistant_ids)), (NOBODY,)]
    return [
        ConversationFilter(types=types, statuses=statuses, assistant_ids=ids)  # type: ignore[arg-type]
        for types, statuses, ids in product(
            _choices(list(ConversationType)), _choices(list(ConversationStatus)), assistants
        )
    ]


def inbox_filters(agent_ids: Iterable[int]) -> list[ConversationFilter]:
    """Every combination of the inbox's filters over these agents (and one of nobody's), each
    alone and with the active ones only."""
    agents = [*_choices(list(agent_ids)), (NOBODY,)]
    active = (None, (ConversationStatus.ACTIVE,))
    return [
        ConversationFilter(handlings=handlings, statuses=statuses)  # type: ignore[arg-type]
        for handlings, statuses in product(_choices(list(Handling)), active)
    ] + [
        ConversationFilter(assignee_ids=ids, assigned=assigned, statuses=statuses)  # type: ignore[arg-type]
        for ids, assigned, statuses in product(agents, (None, True, False), active)
    ]


async def assert_badges_exact(
    workspaces: Mapping[int, Sequence[int]],
    using: BaseDBAsyncClient | None = None,
    agents: Mapping[int, Sequence[int]] | None = None,
) -> None:
    """`workspaces` maps each workspace to its assistants' ids, `agents` to its agents' ids."""
    assert await tally_rows(using) == await counted_rows(using)
    for workspace_id, assistant_ids in workspaces.items():
        inbox = inbox_filters((agents or {}).get(workspace_id, ()))
        for where in [*badge_filters(assistant_ids), *inbox]:
            badge = await count_conversations(workspace_id, where, using=using)
            assert badge == await sql_count(workspace_id, where, using), where
