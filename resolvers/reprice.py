"""Repricing: what today's price table would charge the filter's replies, and applying exactly that.

Only replies priced from the table, or left unknown, are repriced, each at the prices in force at
its own time (`createdAt`); a cost given with a reply is the caller's and stays as given. A dry
run reports what would change (replies, old and new totals, per model); applying it makes those
same changes in one transaction, keeps each replaced reply's old figures (`cost_change`), and
moves each conversation's totals by exactly the difference, so every total still equals the sum
of its replies. Both read the replies in one statement, at most MAX_REPLIES of them (narrow the
filter for more).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models.enums import PriceSource
from models.money import from_units, to_units
from resolvers.database.sql import Params, dialect, fetch
from resolvers.errors import BadUserInput
from resolvers.filters import ConversationFilter, conversation_where
from resolvers.pricing import PRICE_TABLE_VERSION, price_reply

MAX_REPLIES = 50_000
_UNITS = ("cost_e12", "input_price_e12", "output_price_e12", "cached_input_price_e12")


@dataclass(frozen=True)
class ModelChange:
    provider: str
    model: str
    replies: int
    """Replies of this model whose figures change."""
    old_cost: Decimal
    new_cost: Decimal


@dataclass(frozen=True)
class Reprice:
    replies_examined: int
    replies_changed: int
    old_total: Decimal
    """What the examined replies cost now (unknown ones count 0)."""
    new_total: Decimal
    newly_priced: int
    """Replies without a cost that the table now prices."""
    by_model: list[ModelChange]
    applied: bool


@dataclass(frozen=True)
class _Change:
    message_id: int
    conversation_id: int
    provider: str
    model: str
    old: tuple[int | None, ...]
    """cost and unit prices (10⁻¹² USD), as stored."""
    old_source: str | None
    old_version: str | None
    new: tuple[int | None, ...]
    new_source: PriceSource


async def recompute_costs(
    workspace_id: int, where: ConversationFilter, *, dry_run: bool
) -> Reprice:
    if dry_run:
        rows = await _replies(workspace_id, where, None)
        return _report(rows, _priced(rows), applied=False)
    async with in_transaction() as connection:
        rows = await _replies(workspace_id, where, connection)
        changes = _priced(rows)
        await _apply(changes, connection)
    return _report(rows, changes, applied=True)


def _report(rows: list[dict[str, Any]], changes: list[_Change], *, applied: bool) -> Reprice:
    old_total = sum(int(row["cost_e12"] or 0) for row in rows)
    delta = sum((c.new[0] or 0) - (c.old[0] or 0) for c in changes)
    models: dict[tuple[str, str], list[int]] = {}
    for change in changes:
        entry = models.setdefault((change.provider, change.model), [0, 0, 0])
        entry[0] += 1
        entry[1] += change.old[0] or 0
        entry[2] += change.new[0] or 0
    return Reprice(
        replies_examined=len(rows),
        replies_changed=len(changes),
        old_total=from_units(old_total),
        new_total=from_units(old_total + delta),
        newly_priced=sum(1 for c in changes if c.old[0] is None and c.new[0] is not None),
        by_model=[
            ModelChange(provider, model, n, from_units(old), from_units(new))
            for (provider, model), (n, old, new) in sorted(models.items())
        ],
        applied=applied,
    )


async def _replies(
    workspace_id: int, where: ConversationFilter, using: BaseDBAsyncClient | None
) -> list[dict[str, Any]]:
    params = Params(str(using.capabilities.dialect) if using is not None else dialect())
    matching = conversation_where(workspace_id, where, params)
    given = params.add(PriceSource.GIVEN.value)
    sql = (
        "SELECT m.id, m.conversation_id, m.provider, m.model, m.input_tokens, m.output_tokens, "
        f"m.cached_input_tokens, m.created_at, m.price_source, m.price_version, "
        f"{', '.join('m.' + unit for unit in _UNITS)} "
        "FROM message m JOIN conversation c ON c.id = m.conversation_id "
        f"WHERE {matching} AND m.provider IS NOT NULL "
        f"AND (m.price_source IS NULL OR m.price_source <> {given}) "
        f"ORDER BY m.id LIMIT {params.add(MAX_REPLIES + 1)}"
    )
    rows = await fetch(sql, params, using=using)
    if len(rows) > MAX_REPLIES:
        raise BadUserInput(
            f"More than {MAX_REPLIES:,} replies match: reprice them a part at a time "
            "(narrow the filter, by startedAfter/startedBefore say)."
        )
    return rows


def _at(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _priced(rows: Sequence[dict[str, Any]]) -> list[_Change]:
    changes = []
    for row in rows:
        priced = price_reply(
            row["provider"],
            row["model"],
            int(row["input_tokens"] or 0),
            int(row["output_tokens"] or 0),
            int(row["cached_input_tokens"] or 0),
            _at(row["created_at"]),
        )
        old = tuple(None if row[unit] is None else int(row[unit]) for unit in _UNITS)
        if priced is None:
            new: tuple[int | None, ...] = (None, None, None, None)
            source = PriceSource.UNKNOWN
        else:
            prices = (priced.input_price, priced.output_price, priced.cached_input_price)
            new = (to_units(priced.cost), *(None if p is None else to_units(p) for p in prices))
            source = PriceSource.PRICE_TABLE
        if new == old and row["price_source"] == source.value:
            continue
        changes.append(
            _Change(
                message_id=int(row["id"]),
                conversation_id=int(row["conversation_id"]),
                provider=row["provider"],
                model=row["model"],
                old=old,
                old_source=row["price_source"],
                old_version=row["price_version"],
                new=new,
                new_source=source,
            )
        )
    return changes


async def _apply(changes: list[_Change], connection: BaseDBAsyncClient) -> None:
    """The changes, with the old figures kept and the conversations' totals moved by the
    difference (relative updates: a reply written meanwhile adds itself to the same row)."""
    if not changes:
        return
    postgres = str(connection.capabilities.dialect) == "postgres"

    def marks(n: int) -> list[str]:
        return [f"${i}" for i in range(1, n + 1)] if postgres else ["?"] * n

    now = datetime.now(UTC)
    stamp: object = now if postgres else str(now)
    m = marks(8)
    await connection.execute_many(
        "INSERT INTO cost_change (message_id, cost_e12, input_price_e12, output_price_e12, "
        "cached_input_price_e12, price_source, price_version, replaced_at) "
        f"VALUES ({', '.join(m)})",
        [[c.message_id, *c.old, c.old_source, c.old_version, stamp] for c in changes],
    )
    m = marks(8)
    await connection.execute_many(
        f"UPDATE message SET cost_e12 = {m[0]}, input_price_e12 = {m[1]}, "
        f"output_price_e12 = {m[2]}, cached_input_price_e12 = {m[3]}, price_source = {m[4]}, "
        f"price_version = {m[5]} WHERE id = {m[6]} AND conversation_id = {m[7]}",
        [
            [
                *c.new,
                c.new_source.value,
                PRICE_TABLE_VERSION if c.new_source is PriceSource.PRICE_TABLE else None,
                c.message_id,
                c.conversation_id,
            ]
            for c in changes
        ],
    )
    totals: dict[int, list[int]] = {}
    for c in changes:
        entry = totals.setdefault(c.conversation_id, [0, 0])
        entry[0] += (c.new[0] or 0) - (c.old[0] or 0)
        entry[1] += (c.new[0] is None) - (c.old[0] is None)
    m = marks(3)
    await connection.execute_many(
        f"UPDATE conversation SET cost_e12 = cost_e12 + {m[0]}, "
        f"unpriced_replies = unpriced_replies + {m[1]} WHERE id = {m[2]}",
        [[cost, unpriced, pk] for pk, (cost, unpriced) in sorted(totals.items())],
    )
