"""Reading conversations: one by ID, keyset pages in any contract ordering, and counts."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Conversation
from models.money import exact_units
from resolvers.errors import BadUserInput, NotFound
from resolvers.filters import ConversationFilter, conversation_where
from resolvers.ids import cursor_int, cursor_time, decode_cursor, encode_cursor
from resolvers.pagination import PageArgs, PageInfo
from resolvers.sql import Params, dialect, fetch, fetch_models
from resolvers.tally import count_sql


class OrderField(StrEnum):
    STARTED_AT = "STARTED_AT"
    LAST_ACTIVITY_AT = "LAST_ACTIVITY_AT"
    COST = "COST"
    MESSAGE_COUNT = "MESSAGE_COUNT"


_COLUMNS = {
    OrderField.STARTED_AT: "started_at",
    OrderField.LAST_ACTIVITY_AT: "last_activity_at",
    OrderField.COST: "cost_e12",
    OrderField.MESSAGE_COUNT: "message_count",
}


@dataclass(frozen=True)
class ConversationOrder:
    field: OrderField = OrderField.STARTED_AT
    descending: bool = True

    @property
    def cursor_kind(self) -> str:
        return f"c:{self.field.value}:{'desc' if self.descending else 'asc'}"

    def key(self, row: Conversation) -> list[Any]:
        """The keyset values of a row as they go into a cursor: sort value, then id."""
        if self.field is OrderField.COST:
            value: Any = exact_units(row.cost)
        elif self.field is OrderField.MESSAGE_COUNT:
            value = row.message_count
        else:
            value = getattr(row, _COLUMNS[self.field]).isoformat()
        return [value, row.id]

    def parse(self, cursor: str) -> tuple[Any, int]:
        values = decode_cursor(cursor, self.cursor_kind)
        if len(values) != 2:
            raise BadUserInput("Invalid cursor.")
        value, row_id = values
        if self.field in (OrderField.STARTED_AT, OrderField.LAST_ACTIVITY_AT):
            return cursor_time(value), cursor_int(row_id)
        return cursor_int(value), cursor_int(row_id)


@dataclass(frozen=True)
class ConversationPage:
    rows: Sequence[Conversation]
    cursors: Sequence[str]
    page_info: PageInfo


async def get_conversation(workspace_id: int, conversation_id: int) -> Conversation:
    """A conversation of this workspace; another workspace's answers exactly like a missing one."""
    found = await Conversation.get_or_none(id=conversation_id, workspace_id=workspace_id)
    if found is None:
        raise NotFound("Conversation not found.")
    return found


async def conversations_by_id(workspace_id: int, ids: Sequence[int]) -> dict[int, Conversation]:
    rows = await Conversation.filter(workspace_id=workspace_id, id__in=ids)
    return {row.id: row for row in rows}


async def conversation_page(
    workspace_id: int, where: ConversationFilter, order: ConversationOrder, args: PageArgs
) -> ConversationPage:
    size = args.size
    params = Params(dialect())
    conditions = [conversation_where(workspace_id, where, params)]
    column = _COLUMNS[order.field]
    # Travelling backwards reads in the opposite order, then flips the page.
    descending = order.descending == args.forward
    for cursor, later in ((args.after, True), (args.before, False)):
        if cursor is not None:
            value, row_id = order.parse(cursor)
            goes_down = order.descending == later
            operator = "<" if goes_down else ">"
            conditions.append(
                f"(c.{column}, c.id) {operator} ({params.add(value)}, {params.add(row_id)})"
            )
    direction = "DESC" if descending else "ASC"
    sql = (
        f"SELECT c.* FROM conversation c WHERE {' AND '.join(conditions)} "
        f"ORDER BY c.{column} {direction}, c.id {direction} LIMIT {params.add(size + 1)}"
    )
    rows = await fetch_models(Conversation, sql, params)
    more = len(rows) > size
    rows = rows[:size]
    if not args.forward:
        rows.reverse()
    cursors = [encode_cursor(order.cursor_kind, order.key(row)) for row in rows]
    page_info = PageInfo(
        has_next_page=more if args.forward else args.before is not None,
        has_previous_page=more if not args.forward else args.after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
    return ConversationPage(rows=rows, cursors=cursors, page_info=page_info)


async def count_conversations(
    workspace_id: int, where: ConversationFilter, *, using: BaseDBAsyncClient | None = None
) -> int:
    """How many conversations the filter matches, exactly as its list holds them.

    A badge's filter (types, statuses, assistants) reads the counts the database keeps in step
    with every write, in constant time; any other filter counts in SQL (resolvers/tally.py).
    `using` runs it on the caller's own connection (a transaction, a request's connection)."""
    params = Params(str(using.capabilities.dialect) if using is not None else dialect())
    rows = await fetch(count_sql(workspace_id, where, params), params, using=using)
    return int(rows[0]["n"])
