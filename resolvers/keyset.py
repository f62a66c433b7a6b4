"""Keyset pages of conversations: the one statement that reads a page and the one rule that turns
what it read into rows, cursors and page info, whichever way the rows are then built."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from models.money import exact_units
from resolvers.conversation import ConversationOrder, OrderField
from resolvers.filters import ConversationFilter, conversation_where
from resolvers.ids import encode_cursor
from resolvers.pagination import PageArgs, PageInfo
from resolvers.sql import Params


class Keyed(Protocol):
    """What a row must have to be placed in a page: its id and every column a page sorts by."""

    @property
    def id(self) -> int: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def last_activity_at(self) -> datetime: ...
    @property
    def cost(self) -> Decimal: ...
    @property
    def message_count(self) -> int: ...


R = TypeVar("R", bound=Keyed)

COLUMNS = {
    OrderField.STARTED_AT: "started_at",
    OrderField.LAST_ACTIVITY_AT: "last_activity_at",
    OrderField.COST: "cost_e12",
    OrderField.MESSAGE_COUNT: "message_count",
}


@dataclass(frozen=True)
class Window(Generic[R]):
    rows: Sequence[R]
    cursors: Sequence[str]
    page_info: PageInfo


def reads_descending(order: ConversationOrder, args: PageArgs) -> bool:
    """Travelling backwards reads in the opposite order, then flips the page."""
    return order.descending == args.forward


def page_statement(
    workspace_id: int,
    where: ConversationFilter,
    order: ConversationOrder,
    args: PageArgs,
    params: Params,
    columns: str = "c.*",
) -> str:
    """SELECT of the page's rows in reading order, one more than the page holds (is there more?)."""
    conditions = [conversation_where(workspace_id, where, params)]
    column = COLUMNS[order.field]
    for cursor, later in ((args.after, True), (args.before, False)):
        if cursor is not None:
            value, row_id = order.parse(cursor)
            operator = "<" if order.descending == later else ">"
            conditions.append(
                f"(c.{column}, c.id) {operator} ({params.add(value)}, {params.add(row_id)})"
            )
    direction = "DESC" if reads_descending(order, args) else "ASC"
    return (
        f"SELECT {columns} FROM conversation c WHERE {' AND '.join(conditions)} "
        f"ORDER BY c.{column} {direction}, c.id {direction} LIMIT {params.add(args.size + 1)}"
    )


def sort_key(order: ConversationOrder, row: Keyed) -> tuple[Any, int]:
    """A row's place in its ordering, for rows that arrive unordered."""
    if order.field is OrderField.COST:
        return row.cost, row.id
    if order.field is OrderField.MESSAGE_COUNT:
        return row.message_count, row.id
    if order.field is OrderField.LAST_ACTIVITY_AT:
        return row.last_activity_at, row.id
    return row.started_at, row.id


def cursor_values(order: ConversationOrder, row: Keyed) -> list[Any]:
    """The keyset values of a row as they go into a cursor: sort value, then id."""
    if order.field is OrderField.COST:
        value: Any = exact_units(row.cost)
    elif order.field is OrderField.MESSAGE_COUNT:
        value = row.message_count
    elif order.field is OrderField.LAST_ACTIVITY_AT:
        value = row.last_activity_at.isoformat()
    else:
        value = row.started_at.isoformat()
    return [value, row.id]


def page_window(read: Sequence[R], order: ConversationOrder, args: PageArgs) -> Window[R]:
    """The page from the rows `page_statement` read, in reading order."""
    size = args.size
    more = len(read) > size
    rows = list(read[:size])
    if not args.forward:
        rows.reverse()
    cursors = [encode_cursor(order.cursor_kind, cursor_values(order, row)) for row in rows]
    page_info = PageInfo(
        has_next_page=more if args.forward else args.before is not None,
        has_previous_page=more if not args.forward else args.after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
    return Window(rows=rows, cursors=cursors, page_info=page_info)
