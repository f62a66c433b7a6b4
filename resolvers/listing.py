"""A page of conversations with every relation its query selects, in one statement.

The compiled plans (schema/plan) read a dashboard's list here: the page, its total, each row's
assistant, variables, usage per model and any number of message pages come back from one SELECT
that builds a single JSON value in the database (PostgreSQL's `json_agg`, SQLite's
`json_group_array`). A page then costs one round trip whatever its size and nesting, and its rows
arrive as plain values, read lazily (resolvers/listed.py): no ORM model is built. The conditions,
orderings, cursors and page rules are the ones the resolvers use everywhere else
(resolvers/keyset.py, resolvers/message.py), so both ways of answering a list agree;
tests/test_plan_differential.py checks that they do.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from resolvers.counts import count_sql
from resolvers.database.replica import fetch_routed
from resolvers.database.sql import Params, dialect
from resolvers.errors import NotFound
from resolvers.filters import ConversationFilter
from resolvers.keyset import (
    ConversationOrder,
    Window,
    page_statement,
    page_window,
    reading,
    reads_descending,
    sort_key,
)
from resolvers.listed import (
    ASSISTANT_JSON,
    CONVERSATION_COLUMNS,
    MESSAGE_COLUMNS,
    ListedConversation,
    Wanted,
    assistant_columns,
    conversation_of,
)
from resolvers.message import message_page_conditions
from resolvers.pagination import MAX_PAGE_SIZE, PageArgs, PageInfo

__all__ = ["Listing", "Wanted", "list_conversations", "read_conversation", "read_conversations"]


@dataclass(frozen=True)
class Listing:
    window: Window[ListedConversation]
    total: int | None
    event_seq: int | None = None
    """The last event the page reflects, when `Wanted.event_cursor` asked."""

    @property
    def rows(self) -> Sequence[ListedConversation]:
        return self.window.rows

    @property
    def page_info(self) -> PageInfo:
        return self.window.page_info


class _Json:
    """The few JSON builders whose names differ between the two databases."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgres"

    def array(self, items: Sequence[str]) -> str:
        return f"{'json_build_array' if self.postgres else 'json_array'}({', '.join(items)})"

    def aggregate(self, item: str, order: str | None = None) -> str:
        """A JSON array of `item` over the rows. PostgreSQL orders it by `order`, so text sorts
        by the database's collation as the ORM's reads do; SQLite's order (bytes, as Python's)
        is restored after decoding."""
        if not self.postgres:
            return f"json_group_array({item})"
        return f"json_agg({item} ORDER BY {order})" if order else f"json_agg({item})"

    def nested_column(self, column: str) -> str:
        """A JSON column inside a JSON value (SQLite keeps it as text)."""
        return column if self.postgres else f"json({column})"

    def nested(self, subquery: str) -> str:
        """A subquery's JSON inside another JSON value (SQLite would quote it as text)."""
        return f"({subquery})" if self.postgres else f"json(({subquery}))"


async def list_conversations(
    workspace_id: int,
    where: ConversationFilter,
    order: ConversationOrder,
    args: PageArgs,
    wanted: Wanted,
    only: Sequence[int] | None = None,
) -> Listing:
    """The page and what `wanted` asks for, from one statement (the total from the badge counts
    where its filter allows, resolvers/counts.py); `only`: the one conversation of that id."""
    # Parameters are added in the order their placeholders appear: SQLite's are positional.
    params = Params(dialect())
    js = _Json(params.dialect)
    seq_sql = (
        f"(SELECT event_seq FROM workspace WHERE id = {params.add(workspace_id)})"
        if wanted.event_cursor
        else "NULL"
    )
    total_sql = f"({count_sql(workspace_id, where, params)})" if wanted.total else "NULL"
    items = [f"p.{name}" for name in CONVERSATION_COLUMNS]
    join = ""
    if wanted.assistant:
        join = "LEFT JOIN assistant a ON a.id = p.assistant_id AND a.workspace_id = p.workspace_id"
        items.append(
            js.array(
                [
                    js.nested_column(f"a.{column}") if name in ASSISTANT_JSON else f"a.{column}"
                    for name, column in assistant_columns(wanted.assistant_forms)
                ]
            )
        )
    if wanted.variables:
        variable = js.array(
            [
                "v.name",
                "v.source",
                "v.type",
                "v.value_json",
                "v.collected_at",
                "v.set_by_key_id",
                "v.message_sequence",
                "v.id",
            ]
        )
        items.append(
            js.nested(
                f"SELECT {js.aggregate(variable, 'v.name, v.source')} FROM variable v "
                "WHERE v.conversation_id = p.id"
            )
        )
    if wanted.usage_by_model:
        items.append(js.nested(_usage_by_model(js)))
    for page_args in wanted.message_pages:
        items.append(js.nested(_message_page(js, page_args, params, wanted.message_roles)))
    if wanted.labels:
        label = js.array(["l.id", "l.name", "l.colour"])
        items.append(
            js.nested(
                f"SELECT {js.aggregate(label)} FROM conversation_label cl "
                "JOIN label l ON l.id = cl.label_id WHERE cl.conversation_id = p.id"
            )
        )
    columns = ", ".join(f"c.{name}" for name in (*CONVERSATION_COLUMNS, "workspace_id"))
    page = page_statement(workspace_id, where, order, args, params, columns=columns, only=only)
    rows_sql = (
        f"SELECT {js.aggregate(js.array(items), reading(order, args, 'p'))} FROM ({page}) p {join}"
    )
    found = await fetch_routed(
        f"SELECT {seq_sql} AS event_seq, {total_sql} AS total, ({rows_sql}) AS page", params
    )
    raw = found[0]["page"]
    decoded: list[list[Any]] = orjson.loads(raw) if raw else []
    rows = [conversation_of(item, wanted, js.postgres) for item in decoded]
    if not js.postgres:
        rows.sort(key=lambda row: sort_key(order, row), reverse=reads_descending(order, args))
    window = page_window(rows, order, args)
    total, seq = found[0]["total"], found[0]["event_seq"]
    return Listing(
        window=window,
        total=None if total is None else int(total),
        event_seq=None if seq is None else int(seq),
    )


def _usage_by_model(js: _Json) -> str:
    totals = js.array(
        [
            "u.provider",
            "u.model",
            "COUNT(*)",
            "COALESCE(SUM(u.input_tokens), 0)",
            "COALESCE(SUM(u.output_tokens), 0)",
            "COALESCE(SUM(u.cached_input_tokens), 0)",
            "COALESCE(SUM(u.cost_e12), 0)",
            "SUM(CASE WHEN u.cost_e12 IS NULL THEN 1 ELSE 0 END)",
        ]
    )
    grouped = (
        f"SELECT u.provider, u.model, {totals} AS item FROM message u "
        "WHERE u.conversation_id = p.id AND u.provider IS NOT NULL GROUP BY u.provider, u.model"
    )
    item = "g.item" if js.postgres else "json(g.item)"  # SQLite's subquery drops JSON's type
    return f"SELECT {js.aggregate(item, 'g.provider, g.model')} FROM ({grouped}) g"


def _message_page(js: _Json, args: PageArgs, params: Params, roles: tuple[str, ...] | None) -> str:
    conditions, direction = message_page_conditions(args, params, "m")
    if roles is not None:
        conditions.append(f"m.role IN {params.add_all(roles)}")
    ranked = (
        f"SELECT * FROM message m WHERE m.conversation_id = p.id AND {' AND '.join(conditions)} "
        f"ORDER BY m.sequence {direction} LIMIT {params.add(args.size + 1)}"
    )
    item = js.array([f"r.{name}" for name in MESSAGE_COLUMNS])
    return f"SELECT {js.aggregate(item, 'r.sequence')} FROM ({ranked}) r"


async def read_conversation(
    workspace_id: int, conversation_id: int, wanted: Wanted
) -> ListedConversation:
    """One conversation of this workspace with what `wanted` asks for, read as a list row is;
    NOT_FOUND for another workspace's, exactly as for a missing one."""
    found = await read_conversations(workspace_id, [conversation_id], wanted)
    if conversation_id not in found:
        raise NotFound("Conversation not found.")
    return found[conversation_id]


async def read_conversations(
    workspace_id: int, ids: Sequence[int], wanted: Wanted
) -> dict[int, ListedConversation]:
    """These conversations of this workspace (the others left out) with what `wanted` asks
    for, read as list rows are: one statement per page's worth of them."""
    found: dict[int, ListedConversation] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), MAX_PAGE_SIZE):
        chunk = unique[start : start + MAX_PAGE_SIZE]
        listing = await list_conversations(
            workspace_id,
            ConversationFilter(),
            ConversationOrder(),
            PageArgs(first=len(chunk)),
            wanted,
            only=chunk,
        )
        found.update((row.id, row) for row in listing.rows)
    return found
