"""Usage summaries: conversations, messages, replies, tokens and exact cost per bucket of time,
type, status, assistant, model, provider or a variable's value, for any ConversationFilter.

One statement builds every bucket, empty ones included (a chart has no holes): the buckets are a
VALUES list (times, computed in resolvers/buckets.py) or the workspace's own assistants, LEFT
JOINed to the matching conversations. TEST conversations are left out unless the filter names
the type, so a workspace's spend on customers is never inflated by its builders' tests. Money
is summed in integer units and turned into a Decimal once, so totals are exact.

A conversation is counted in the bucket its `startedAt` falls in, with all its messages and
usage; by MODEL or PROVIDER, a conversation counts in each model's bucket it has replies of,
with those replies' messages, tokens and cost.
"""

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from models.enums import ConversationStatus, ConversationType, MessageRole
from models.money import from_units
from resolvers.buckets import TimeUnit, buckets, time_zone
from resolvers.database.replica import fetch_routed
from resolvers.database.sql import Params, dialect
from resolvers.errors import BadUserInput
from resolvers.filters import ConversationFilter, conversation_where
from resolvers.listed import ASSISTANT_COLUMNS, ASSISTANT_JSON, ListedAssistant


class Grouping(StrEnum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    TYPE = "TYPE"
    STATUS = "STATUS"
    ASSISTANT = "ASSISTANT"
    MODEL = "MODEL"
    PROVIDER = "PROVIDER"
    VARIABLE = "VARIABLE"


@dataclass(frozen=True)
class Totals:
    conversations: int
    messages: int
    replies: int
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cost: Decimal
    cost_known: bool
    """False when a reply in the bucket has no known price (its cost is not in `cost`)."""
    duration_seconds: float
    """Summed over the bucket's conversations (ended, or until now while active)."""
    rated: int = 0
    """Conversations the visitor rated."""
    rating_sum: int = 0
    rating_counts: tuple[int, ...] = (0, 0, 0, 0, 0)
    """How many rated 1, 2, 3, 4 and 5."""
    taken_over: int = 0
    """Conversations a person took over after one was asked for."""
    waited_seconds: float = 0.0
    """Their waits for a person (asked for → taken over), summed."""
    agent_replied: int = 0
    """Conversations a person wrote in after one was asked for."""
    first_agent_reply_seconds: float = 0.0
    """Their times from the ask to a person's first message, summed."""


@dataclass(frozen=True)
class Bucket:
    totals: Totals
    start: datetime | None = None
    end: datetime | None = None
    type: ConversationType | None = None
    status: ConversationStatus | None = None
    assistant_id: int | None = None
    provider: str | None = None
    model: str | None = None
    value_json: str | None = None
    """The variable's value as stored (JSON text); None for conversations without it."""
    assistant: ListedAssistant | None = None
    """ASSISTANT: the assistant itself, read with its bucket."""


@dataclass(frozen=True)
class Summary:
    grouping: Grouping
    time_zone: str
    buckets: list[Bucket]


_SUMS = (
    "COUNT(m.id) AS conversations, COALESCE(SUM(m.message_count), 0) AS messages, "
    "COALESCE(SUM(m.replies), 0) AS replies, COALESCE(SUM(m.input_tokens), 0) AS input_tokens, "
    "COALESCE(SUM(m.output_tokens), 0) AS output_tokens, "
    "COALESCE(SUM(m.cached_input_tokens), 0) AS cached_input_tokens, "
    "COALESCE(SUM(m.cost_e12), 0) AS cost_e12, COALESCE(SUM(m.unpriced), 0) AS unpriced, "
    "COALESCE(SUM(m.duration), 0) AS duration, "
    + ", ".join(
        f"COALESCE(SUM(CASE WHEN m.rating = {n} THEN 1 ELSE 0 END), 0) AS r{n}" for n in range(1, 6)
    )
    + ", COUNT(m.waited) AS taken_over, COALESCE(SUM(m.waited), 0) AS waited, "
    "COUNT(m.first_reply) AS agent_replied, COALESCE(SUM(m.first_reply), 0) AS first_reply"
)
_NO_PEOPLE = "0 AS taken_over, 0 AS waited, 0 AS agent_replied, 0 AS first_reply"
"""A model's or provider's bucket: people's waits belong to conversations, not replies."""


def spending_filter(where: ConversationFilter) -> ConversationFilter:
    """TEST conversations count only when the filter names the type."""
    if where.types is None:
        return replace(where, types=(ConversationType.WEB_WIDGET,))
    return where


async def usage_summary(
    workspace_id: int,
    where: ConversationFilter,
    grouping: Grouping,
    zone_name: str = "UTC",
    variable: str | None = None,
    now: datetime | None = None,
) -> Summary:
    zone = time_zone(zone_name)
    now = now or datetime.now(UTC)
    where = spending_filter(where)
    if (grouping is Grouping.VARIABLE) != (variable is not None):
        raise BadUserInput("Give `variable` (its name) exactly when grouping by VARIABLE.")
    params = Params(dialect())
    if grouping.value in TimeUnit.__members__:
        start = where.started_after or await _earliest(workspace_id, where)
        end = where.started_before or now
        if start is None:  # nothing matches, and no range was asked for
            return Summary(grouping, zone_name, [])
        edges = buckets(TimeUnit(grouping.value), zone, start, end)
        if not edges:
            return Summary(grouping, zone_name, [])
        sql = _by_time(workspace_id, where, edges, now, params)
        rows = await fetch_routed(sql, params)
        found = [
            Bucket(_totals(row), start=edges[row["i"]][0], end=edges[row["i"]][1]) for row in rows
        ]
        return Summary(grouping, zone_name, found)
    sql = _by_kind(workspace_id, where, grouping, variable, now, params)
    rows = await fetch_routed(sql, params)
    return Summary(grouping, zone_name, _categorical(grouping, where, rows))


async def _earliest(workspace_id: int, where: ConversationFilter) -> datetime | None:
    """Where an open range starts: the first matching conversation (index-backed)."""
    params = Params(dialect())
    matching = conversation_where(workspace_id, where, params)
    sql = f"SELECT MIN(c.started_at) AS first FROM conversation c WHERE {matching}"
    first = (await fetch_routed(sql, params))[0]["first"]
    if first is None or isinstance(first, datetime):
        return first
    return datetime.fromisoformat(str(first))


def _matching(workspace_id: int, where: ConversationFilter, now: datetime, params: Params) -> str:
    """The filter's conversations with what each bucket sums (a CTE named m)."""
    replies = (
        "(SELECT COUNT(*) FROM message r WHERE r.conversation_id = c.id "
        f"AND r.role = '{MessageRole.ASSISTANT.value}')"
    )
    until = params.add(now)
    duration = _seconds(params.dialect, "c.started_at", f"COALESCE(c.ended_at, {until})")
    # A person's wait and first word, from the latest ask for one (NULL where none came).
    waited = (
        "CASE WHEN c.taken_over_at >= c.waiting_since THEN "
        f"{_seconds(params.dialect, 'c.waiting_since', 'c.taken_over_at')} END"
    )
    first_word = (
        "(SELECT MIN(a.created_at) FROM message a WHERE a.conversation_id = c.id "
        f"AND a.role = '{MessageRole.AGENT.value}' AND a.created_at >= c.waiting_since)"
    )
    first_reply = f"{_seconds(params.dialect, 'c.waiting_since', first_word)}"
    matching = conversation_where(workspace_id, where, params)
    return (
        "m AS (SELECT c.id, c.type, c.status, c.assistant_id, c.started_at, c.message_count, "
        "c.rating, c.input_tokens, c.output_tokens, c.cached_input_tokens, c.cost_e12, "
        f"c.unpriced_replies AS unpriced, {replies} AS replies, {duration} AS duration, "
        f"{waited} AS waited, {first_reply} AS first_reply "
        f"FROM conversation c WHERE {matching})"
    )


def _seconds(dialect_name: str, since: str, until: str) -> str:
    """Seconds from one time to another, in SQL (NULL if either is)."""
    if dialect_name == "postgres":
        return f"EXTRACT(EPOCH FROM ({until} - {since}))"
    # julianday's double carries ~10 µs of noise at today's dates: whole milliseconds.
    return f"ROUND((julianday({until}) - julianday({since})) * 86400.0, 3)"


def _by_time(
    workspace_id: int,
    where: ConversationFilter,
    edges: list[tuple[datetime, datetime]],
    now: datetime,
    params: Params,
) -> str:
    cast = "::timestamptz" if params.dialect == "postgres" else ""
    first = "::int" if params.dialect == "postgres" else ""
    rows = ", ".join(
        f"({params.add(i)}{first}, {params.add(lo)}{cast}, {params.add(hi)}{cast})"
        for i, (lo, hi) in enumerate(edges)
    )
    narrowed = replace(
        where,
        started_after=max(filter(None, (where.started_after, edges[0][0]))),
        started_before=min(filter(None, (where.started_before, edges[-1][1]))),
    )
    return (
        f"WITH b(i, lo, hi) AS (VALUES {rows}), {_matching(workspace_id, narrowed, now, params)} "
        f"SELECT b.i AS i, {_SUMS} FROM b LEFT JOIN m ON m.started_at >= b.lo "
        "AND m.started_at < b.hi GROUP BY b.i ORDER BY b.i"
    )


def _by_kind(
    workspace_id: int,
    where: ConversationFilter,
    grouping: Grouping,
    variable: str | None,
    now: datetime,
    params: Params,
) -> str:
    matching = _matching(workspace_id, where, now, params)
    if grouping is Grouping.TYPE:
        return f"WITH {matching} SELECT m.type AS k, {_SUMS} FROM m GROUP BY m.type"
    if grouping is Grouping.STATUS:
        return f"WITH {matching} SELECT m.status AS k, {_SUMS} FROM m GROUP BY m.status"
    if grouping is Grouping.ASSISTANT:
        # Every assistant the filter allows is a bucket, whether it had conversations or not.
        allowed = f"a.workspace_id = {params.add(workspace_id)}"
        if where.assistant_ids is not None:
            ids = where.assistant_ids
            allowed += f" AND a.id IN {params.add_all(ids)}" if ids else " AND 1 = 0"
        # The assistant's own columns depend on its key: both databases group them with it.
        return (
            f"WITH {matching} SELECT a.id AS k, {_ASSISTANT_COLUMNS}, {_SUMS} FROM assistant a "
            f"LEFT JOIN m ON m.assistant_id = a.id WHERE {allowed} GROUP BY a.id ORDER BY a.id"
        )
    if grouping is Grouping.VARIABLE:
        name = params.add(variable)
        return (
            f"WITH {matching} SELECT v.value_json AS k, {_SUMS} FROM m "
            f"LEFT JOIN variable v ON v.conversation_id = m.id AND v.name = {name} "
            "GROUP BY v.value_json"
        )
    # MODEL / PROVIDER: each conversation once per model it has replies of, with those replies.
    keys = "r.provider, r.model" if grouping is Grouping.MODEL else "r.provider"
    return (
        f"WITH {matching}, per AS (SELECT {keys}, m.id AS conversation_id, m.duration, m.rating, "
        "COUNT(*) AS replies, COALESCE(SUM(r.input_tokens), 0) AS input_tokens, "
        "COALESCE(SUM(r.output_tokens), 0) AS output_tokens, "
        "COALESCE(SUM(r.cached_input_tokens), 0) AS cached_input_tokens, "
        "COALESCE(SUM(r.cost_e12), 0) AS cost_e12, "
        "SUM(CASE WHEN r.cost_e12 IS NULL THEN 1 ELSE 0 END) AS unpriced "
        "FROM m JOIN message r ON r.conversation_id = m.id AND r.provider IS NOT NULL "
        f"GROUP BY {keys}, m.id, m.duration, m.rating) "
        f"SELECT {keys.replace('r.', 'per.')}, COUNT(*) AS conversations, "
        "SUM(per.replies) AS messages, SUM(per.replies) AS replies, "
        "SUM(per.input_tokens) AS input_tokens, SUM(per.output_tokens) AS output_tokens, "
        "SUM(per.cached_input_tokens) AS cached_input_tokens, SUM(per.cost_e12) AS cost_e12, "
        "SUM(per.unpriced) AS unpriced, SUM(per.duration) AS duration, "
        + ", ".join(
            f"SUM(CASE WHEN per.rating = {n} THEN 1 ELSE 0 END) AS r{n}" for n in range(1, 6)
        )
        + f", {_NO_PEOPLE} "
        f"FROM per GROUP BY {keys.replace('r.', 'per.')} ORDER BY {keys.replace('r.', 'per.')}"
    )


_ASSISTANT_COLUMNS = ", ".join(
    f"a.{column} AS a_{column}" for _, column in ASSISTANT_COLUMNS if column != "id"
)


def _assistant(row: dict[str, Any]) -> ListedAssistant:
    """The assistant of an ASSISTANT bucket, as the reader's rows keep one."""

    def read(name: str, column: str) -> Any:
        if column == "id":
            return int(row["k"])
        value = row[f"a_{column}"]
        if name in ASSISTANT_JSON:
            return json.loads(value) if isinstance(value, str | bytes) else value
        if name.endswith("_text") and not isinstance(value, str):
            return value.isoformat()
        return value

    return ListedAssistant(**{name: read(name, column) for name, column in ASSISTANT_COLUMNS})


def _totals(row: dict[str, Any]) -> Totals:
    return Totals(
        conversations=int(row["conversations"]),
        messages=int(row["messages"]),
        replies=int(row["replies"]),
        input_tokens=int(row["input_tokens"]),
        output_tokens=int(row["output_tokens"]),
        cached_input_tokens=int(row["cached_input_tokens"]),
        cost=from_units(int(row["cost_e12"])),
        cost_known=int(row["unpriced"]) == 0,
        duration_seconds=float(row["duration"]),
        rated=sum(int(row[f"r{n}"] or 0) for n in range(1, 6)),
        rating_sum=sum(n * int(row[f"r{n}"] or 0) for n in range(1, 6)),
        rating_counts=tuple(int(row[f"r{n}"] or 0) for n in range(1, 6)),
        taken_over=int(row["taken_over"] or 0),
        waited_seconds=float(row["waited"] or 0),
        agent_replied=int(row["agent_replied"] or 0),
        first_agent_reply_seconds=float(row["first_reply"] or 0),
    )


_EMPTY = Totals(0, 0, 0, 0, 0, 0, from_units(0), True, 0.0)


def _categorical(
    grouping: Grouping, where: ConversationFilter, rows: list[dict[str, Any]]
) -> list[Bucket]:
    if grouping is Grouping.TYPE:
        found = {ConversationType(row["k"]): _totals(row) for row in rows}
        types = where.types if where.types is not None else tuple(ConversationType)
        return [Bucket(found.get(t, _EMPTY), type=t) for t in ConversationType if t in types]
    if grouping is Grouping.STATUS:
        found_status = {ConversationStatus(row["k"]): _totals(row) for row in rows}
        statuses = where.statuses if where.statuses is not None else tuple(ConversationStatus)
        return [
            Bucket(found_status.get(s, _EMPTY), status=s)
            for s in ConversationStatus
            if s in statuses
        ]
    if grouping is Grouping.ASSISTANT:
        return [
            Bucket(_totals(row), assistant_id=int(row["k"]), assistant=_assistant(row))
            for row in rows
        ]
    if grouping is Grouping.VARIABLE:
        ordered = sorted(rows, key=lambda row: (row["k"] is None, str(row["k"])))
        return [Bucket(_totals(row), value_json=row["k"]) for row in ordered]
    return [
        Bucket(_totals(row), provider=row["provider"], model=row.get("model"))
        for row in rows
        if int(row["conversations"]) > 0
    ]
