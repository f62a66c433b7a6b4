"""Keyset pages of conversations: the one statement that reads a page and the one rule that turns
what it read into rows, cursors and page info, whichever way the rows are then built."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from models.money import exact_units
from resolvers.database.sql import Params
from resolvers.errors import BadUserInput
from resolvers.filters import ConversationFilter, conversation_where
from resolvers.ids import cursor_int, cursor_time, decode_cursor, encode_cursor
from resolvers.pagination import PageArgs, PageInfo


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
    @property
    def waiting_since(self) -> datetime | None: ...


R = TypeVar("R", bound=Keyed)


class OrderField(StrEnum):
    STARTED_AT = "STARTED_AT"
    LAST_ACTIVITY_AT = "LAST_ACTIVITY_AT"
    COST = "COST"
    MESSAGE_COUNT = "MESSAGE_COUNT"
    WAITING_SINCE = "WAITING_SINCE"


NULLABLE = {OrderField.WAITING_SINCE}
"""Orders whose column may be NULL (never waited): those rows come after all others, either way."""


@dataclass(frozen=True)
class ConversationOrder:
    field: OrderField = OrderField.STARTED_AT
    descending: bool = True

    @property
    def cursor_kind(self) -> str:
        return f"c:{self.field.value}:{'desc' if self.descending else 'asc'}"

    def parse(self, cursor: str) -> tuple[Any, int]:
        values = decode_cursor(cursor, self.cursor_kind)
        if len(values) != 2:
            raise BadUserInput("Invalid cursor.")
        value, row_id = values
        if value is None and self.field in NULLABLE:
            return None, cursor_int(row_id)
        if self.field in (OrderField.STARTED_AT, OrderField.LAST_ACTIVITY_AT, *NULLABLE):
            return cursor_time(value), cursor_int(row_id)
        return cursor_int(value), cursor_int(row_id)


COLUMNS = {
    OrderField.STARTED_AT: "started_at",
    OrderField.LAST_ACTIVITY_AT: "last_activity_at",
    OrderField.COST: "cost_e12",
    OrderField.MESSAGE_COUNT: "message_count",
    OrderField.WAITING_SINCE: "waiting_since",
}


@dataclass(frozen=True)
class Window(Generic[R]):
    rows: Sequence[R]
    page_info: PageInfo
    order: ConversationOrder

    def cursor(self, row: R) -> str:
        """A row's cursor, made when asked for: a page that selects none makes two."""
        return cursor_of(self.order, row)


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
    only: Sequence[int] | None = None,
) -> str:
    """SELECT of the page's rows in reading order, one more than the page holds (is there more?);
    `only` reads the conversations of those ids, those the workspace has."""
    conditions = [conversation_where(workspace_id, where, params)]
    if only is not None:
        conditions.append(f"c.id IN {params.add_all(only)}")
    column = f"c.{COLUMNS[order.field]}"
    for cursor, later in ((args.after, True), (args.before, False)):
        if cursor is not None:
            value, row_id = order.parse(cursor)
            operator = "<" if order.descending == later else ">"
            if value is None:  # among the last rows, those without a value
                condition = f"{column} IS NULL AND c.id {operator} {params.add(row_id)}"
                if not later:
                    condition = f"({column} IS NOT NULL OR {condition})"
            else:  # a comparison with NULL is never true: rows without a value follow
                keyset = f"({params.add(value)}, {params.add(row_id)})"
                condition = f"({column}, c.id) {operator} {keyset}"
                if later and order.field in NULLABLE:
                    condition = f"({column} IS NULL OR {condition})"
            conditions.append(condition)
    return (
        f"SELECT {columns} FROM conversation c WHERE {' AND '.join(conditions)} "
        f"ORDER BY {reading(order, args, 'c')} LIMIT {params.add(args.size + 1)}"
    )


def reading(order: ConversationOrder, args: PageArgs, alias: str) -> str:
    """The ORDER BY of a page's reading order (`alias` the rows'): a nullable order's rows
    without a value last in the order, so first when reading backwards."""
    direction = "DESC" if reads_descending(order, args) else "ASC"
    nulls = ""
    if order.field in NULLABLE:
        nulls = " NULLS LAST" if args.forward else " NULLS FIRST"
    column = COLUMNS[order.field]
    return f"{alias}.{column} {direction}{nulls}, {alias}.id {direction}"


_NEVER = datetime.min.replace(tzinfo=UTC)


def sort_key(order: ConversationOrder, row: Keyed) -> tuple[Any, ...]:
    """A row's place in its ordering, for rows that arrive unordered (sorted ascending, then
    reversed for a descending order: rows without a value sort last in the order either way)."""
    if order.field is OrderField.WAITING_SINCE:
        waited = row.waiting_since
        return (waited is None) != order.descending, waited or _NEVER, row.id
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
    elif order.field is OrderField.WAITING_SINCE:
        value = None if row.waiting_since is None else row.waiting_since.isoformat()
    else:
        value = row.started_at.isoformat()
    return [value, row.id]


def cursor_of(order: ConversationOrder, row: Keyed) -> str:
    """The cursor that places `row` in `order`."""
    return encode_cursor(order.cursor_kind, cursor_values(order, row))


def page_window(read: Sequence[R], order: ConversationOrder, args: PageArgs) -> Window[R]:
    """The page from the rows `page_statement` read, in reading order."""
    size = args.size
    more = len(read) > size
    rows = list(read[:size])
    if not args.forward:
        rows.reverse()
    page_info = PageInfo(
        has_next_page=more if args.forward else args.before is not None,
        has_previous_page=more if not args.forward else args.after is not None,
        start_cursor=cursor_of(order, rows[0]) if rows else None,
        end_cursor=cursor_of(order, rows[-1]) if rows else None,
    )
    return Window(rows=rows, page_info=page_info, order=order)
