"""Pages of messages for many conversations at once: one statement however many conversations.

Message cursors carry the gap-free sequence number, so a page's neighbours are known exactly.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Protocol, TypeVar

from models import Message
from resolvers.database.sql import Params
from resolvers.errors import NotFound
from resolvers.ids import encode_cursor, parse_sequence_cursor
from resolvers.pagination import PageArgs, PageInfo

CURSOR_KIND = "m"


@lru_cache(maxsize=4096)
def message_cursor(sequence: int) -> str:
    """The same for every conversation's message of that sequence: lists repeat the small ones."""
    return encode_cursor(CURSOR_KIND, [sequence])


def parse_message_cursor(cursor: str) -> int:
    return parse_sequence_cursor(cursor, CURSOR_KIND)


async def get_message(workspace_id: int, message_id: int) -> Message:
    found = await Message.get_or_none(id=message_id, conversation__workspace_id=workspace_id)
    if found is None:
        raise NotFound("Message not found.")
    return found


class Sequenced(Protocol):
    @property
    def sequence(self) -> int: ...


S = TypeVar("S", bound=Sequenced)


@dataclass(frozen=True)
class MessagePage(Generic[S]):
    rows: Sequence[S]
    page_info: PageInfo


def message_page_conditions(args: PageArgs, params: Params, alias: str) -> tuple[list[str], str]:
    """The cursor conditions on `alias` (a message table) and the reading direction of a page."""
    conditions = []
    if args.after is not None:
        conditions.append(f"{alias}.sequence > {params.add(parse_message_cursor(args.after))}")
    if args.before is not None:
        conditions.append(f"{alias}.sequence < {params.add(parse_message_cursor(args.before))}")
    return conditions or ["1 = 1"], "ASC" if args.forward else "DESC"


def filtered_page_of(rows: list[S], args: PageArgs) -> MessagePage[S]:
    """A page of some of a conversation's messages, whose sequences have gaps: the side it was
    read towards is known from the extra row read; the side it came from from its cursor (a
    cursor names a message the reader saw, so something lies that way)."""
    size = args.size
    more = len(rows) > size
    if more:
        rows = rows[:size] if args.forward else rows[1:]
    if args.forward:
        return _page(rows, has_next=more, has_previous=args.after is not None)
    return _page(rows, has_next=args.before is not None, has_previous=more)


def message_page_of(rows: list[S], count: int, args: PageArgs) -> MessagePage[S]:
    """The page from the rows a page's statement read (ascending, one more than the page holds
    when there are more) of a conversation with `count` messages."""
    size = args.size
    if len(rows) > size:
        rows = rows[:size] if args.forward else rows[1:]
    if rows:
        # Sequences run 1..count with no gaps, so both neighbours are known exactly.
        first, last = rows[0].sequence, rows[-1].sequence
        has_previous, has_next = first > 1, last < count
    else:
        after = parse_message_cursor(args.after) if args.after is not None else None
        before = parse_message_cursor(args.before) if args.before is not None else None
        has_previous = after is not None and min(after, count) >= 1
        has_next = before is not None and before <= count
    return _page(rows, has_next=has_next, has_previous=has_previous)


def _page(rows: Sequence[S], *, has_next: bool, has_previous: bool) -> MessagePage[S]:
    return MessagePage(
        rows=rows,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=message_cursor(rows[0].sequence) if rows else None,
            end_cursor=message_cursor(rows[-1].sequence) if rows else None,
        ),
    )
