"""A page of conversations with every relation its query selects, in one statement.

The compiled plans (schema/plan) read a dashboard's list here: the page, its total, each row's
assistant, variables, usage per model and any number of message pages come back from one SELECT
that builds a single JSON value in the database (PostgreSQL's `json_agg`, SQLite's
`json_group_array`). A page then costs one round trip whatever its size and nesting, and its rows
arrive as plain values: no ORM model is built. The conditions, orderings, cursors and page rules
are the ones the resolvers use everywhere else (resolvers/conversation.py, resolvers/message.py),
so both ways of answering a list agree; tests/test_plan_differential.py checks that they do.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from models.money import from_units
from resolvers.filters import ConversationFilter
from resolvers.keyset import (
    ConversationOrder,
    Window,
    page_statement,
    page_window,
    reads_descending,
    sort_key,
)
from resolvers.message import MessagePage, message_page_conditions, message_page_of
from resolvers.pagination import PageArgs, PageInfo
from resolvers.sql import Params, dialect, fetch
from resolvers.tally import count_sql
from resolvers.usage import ModelUsage, UsageTotals


@dataclass(frozen=True)
class Wanted:
    """What the query selects beside the rows themselves."""

    total: bool = False
    assistant: bool = False
    variables: bool = False
    usage_by_model: bool = False
    message_pages: tuple[PageArgs, ...] = ()


@dataclass(frozen=True, slots=True)
class ListedAssistant:
    id: int
    name: str
    created_at: datetime
    pre_chat_form: list[dict[str, Any]]
    extracted_variables: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ListedVariable:
    name: str
    source: str
    type: str
    value_json: str
    collected_at: datetime

    @property
    def value(self) -> Any:
        return json.loads(self.value_json)


@dataclass(frozen=True, slots=True)
class ListedMessage:
    id: int
    conversation_id: int
    sequence: int
    role: str
    content: str
    created_at: datetime
    provider: str | None
    model: str | None
    input_tokens: int | None
    output_tokens: int | None
    cached_input_tokens: int | None
    cost: Decimal | None


@dataclass(slots=True)
class ListedConversation:
    id: int
    assistant_id: int
    type: str
    mode: str
    status: str
    started_at: datetime
    last_activity_at: datetime
    ended_at: datetime | None
    visitor_session_id: str | None
    visitor_page_url: str | None
    visitor_user_agent: str | None
    visitor_locale: str | None
    message_count: int
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cost: Decimal
    unpriced_replies: int
    assistant: ListedAssistant | None = None
    variables: list[ListedVariable] | None = None
    usage_by_model: list[ModelUsage] | None = None
    message_pages: dict[PageArgs, MessagePage[ListedMessage]] | None = None

    @property
    def usage(self) -> UsageTotals:
        return UsageTotals(
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cached_input_tokens=self.cached_input_tokens,
            cost=self.cost,
            cost_known=self.unpriced_replies == 0,
        )


@dataclass(frozen=True)
class Listing:
    window: Window[ListedConversation]
    total: int | None

    @property
    def rows(self) -> Sequence[ListedConversation]:
        return self.window.rows

    @property
    def page_info(self) -> PageInfo:
        return self.window.page_info


_CONVERSATION_COLUMNS = (
    "id",
    "assistant_id",
    "type",
    "mode",
    "status",
    "started_at",
    "last_activity_at",
    "ended_at",
    "visitor_session_id",
    "visitor_page_url",
    "visitor_user_agent",
    "visitor_locale",
    "message_count",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cost_e12",
    "unpriced_replies",
)
_MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "sequence",
    "role",
    "content",
    "created_at",
    "provider",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cost_e12",
)


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
    only: int | None = None,
) -> Listing:
    """The page and what `wanted` asks for, from one statement (the total from the badge counts
    where its filter allows, resolvers/tally.py); `only`: the one conversation of that id."""
    # Parameters are added in the order their placeholders appear: SQLite's are positional.
    params = Params(dialect())
    js = _Json(params.dialect)
    total_sql = f"({count_sql(workspace_id, where, params)})" if wanted.total else "NULL"
    items = [f"p.{name}" for name in _CONVERSATION_COLUMNS]
    join = ""
    if wanted.assistant:
        join = "LEFT JOIN assistant a ON a.id = p.assistant_id AND a.workspace_id = p.workspace_id"
        forms = ("a.pre_chat_form", "a.extracted_variables")
        items.append(
            js.array(["a.id", "a.name", "a.created_at", *(js.nested_column(f) for f in forms)])
        )
    if wanted.variables:
        variable = js.array(["v.name", "v.source", "v.type", "v.value_json", "v.collected_at"])
        items.append(
            js.nested(
                f"SELECT {js.aggregate(variable, 'v.name, v.source')} FROM variable v "
                "WHERE v.conversation_id = p.id"
            )
        )
    if wanted.usage_by_model:
        items.append(js.nested(_usage_by_model(js)))
    for page_args in wanted.message_pages:
        items.append(js.nested(_message_page(js, page_args, params)))
    columns = ", ".join(f"c.{name}" for name in (*_CONVERSATION_COLUMNS, "workspace_id"))
    page = page_statement(workspace_id, where, order, args, params, columns=columns, only=only)
    rows_sql = f"SELECT {js.aggregate(js.array(items))} FROM ({page}) p {join}"
    found = await fetch(f"SELECT {total_sql} AS total, ({rows_sql}) AS page", params)
    raw = found[0]["page"]
    decoded: list[list[Any]] = orjson.loads(raw) if raw else []
    rows = [_conversation(item, wanted, js.postgres) for item in decoded]
    rows.sort(key=lambda row: sort_key(order, row), reverse=reads_descending(order, args))
    window = page_window(rows, order, args)
    total = found[0]["total"]
    return Listing(
        window=window,
        total=None if total is None else int(total),
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


def _message_page(js: _Json, args: PageArgs, params: Params) -> str:
    conditions, direction = message_page_conditions(args, params, "m")
    ranked = (
        f"SELECT * FROM message m WHERE m.conversation_id = p.id AND {' AND '.join(conditions)} "
        f"ORDER BY m.sequence {direction} LIMIT {params.add(args.size + 1)}"
    )
    item = js.array([f"r.{name}" for name in _MESSAGE_COLUMNS])
    return f"SELECT {js.aggregate(item, 'r.sequence')} FROM ({ranked}) r"


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _maybe_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _conversation(item: list[Any], wanted: Wanted, ordered: bool) -> ListedConversation:
    """A row from its JSON array; `ordered` when the database ordered its lists already."""
    columns = len(_CONVERSATION_COLUMNS)
    row = ListedConversation(
        id=item[0],
        assistant_id=item[1],
        type=item[2],
        mode=item[3],
        status=item[4],
        started_at=_time(item[5]),
        last_activity_at=_time(item[6]),
        ended_at=_maybe_time(item[7]),
        visitor_session_id=item[8],
        visitor_page_url=item[9],
        visitor_user_agent=item[10],
        visitor_locale=item[11],
        message_count=item[12],
        input_tokens=item[13],
        output_tokens=item[14],
        cached_input_tokens=item[15],
        cost=from_units(item[16]),
        unpriced_replies=item[17],
    )
    rest = iter(item[columns:])
    if wanted.assistant:
        found = next(rest)
        if found[0] is not None:
            row.assistant = ListedAssistant(
                id=found[0],
                name=found[1],
                created_at=_time(found[2]),
                pre_chat_form=found[3],
                extracted_variables=found[4],
            )
    if wanted.variables:
        row.variables = [
            ListedVariable(
                name=v[0], source=v[1], type=v[2], value_json=v[3], collected_at=_time(v[4])
            )
            for v in next(rest) or ()
        ]
        if not ordered:
            row.variables.sort(key=lambda variable: (variable.name, variable.source))
    if wanted.usage_by_model:
        entries = next(rest) or []
        if not ordered:
            entries.sort()  # [provider, model, …]: by provider, then model
        row.usage_by_model = [_model_usage(entry) for entry in entries]
    if wanted.message_pages:
        row.message_pages = {}
        for page_args in wanted.message_pages:
            messages = [_message(entry) for entry in next(rest) or ()]
            if not ordered:
                messages.sort(key=lambda message: message.sequence)
            row.message_pages[page_args] = message_page_of(messages, row.message_count, page_args)
    return row


def _model_usage(entry: list[Any]) -> ModelUsage:
    provider, model, replies, input_tokens, output_tokens, cached, cost_e12, unpriced = entry
    return ModelUsage(
        provider=provider,
        model=model,
        replies=int(replies),
        usage=UsageTotals(
            input_tokens=int(input_tokens),
            output_tokens=int(output_tokens),
            cached_input_tokens=int(cached),
            cost=from_units(int(cost_e12)),
            cost_known=int(unpriced) == 0,
        ),
    )


def _message(entry: list[Any]) -> ListedMessage:
    """Positionally, in `_MESSAGE_COLUMNS` order: a page holds hundreds."""
    id_, conversation_id, sequence, role, content, created_at, provider, model = entry[:8]
    input_tokens, output_tokens, cached_input_tokens, cost = entry[8:]
    return ListedMessage(
        id_,
        conversation_id,
        sequence,
        role,
        content,
        datetime.fromisoformat(created_at),
        provider,
        model,
        input_tokens,
        output_tokens,
        cached_input_tokens,
        None if cost is None else from_units(cost),
    )
