"""Pages of messages for many conversations at once: one statement however many conversations.

Message cursors carry the gap-free sequence number, so a page's neighbours are known exactly.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from models import Message
from resolvers.errors import NotFound
from resolvers.ids import encode_cursor, parse_sequence_cursor
from resolvers.pagination import PageArgs, PageInfo
from resolvers.sql import Params, dialect, fetch_models

CURSOR_KIND = "m"


def message_cursor(sequence: int) -> str:
    return encode_cursor(CURSOR_KIND, [sequence])


def parse_message_cursor(cursor: str) -> int:
    return parse_sequence_cursor(cursor, CURSOR_KIND)


async def get_message(workspace_id: int, message_id: int) -> Message:
    found = await Message.get_or_none(id=message_id, conversation__workspace_id=workspace_id)
    if found is None:
        raise NotFound("Message not found.")
    return found


@dataclass(frozen=True)
class MessagePage:
    rows: Sequence[Message]
    page_info: PageInfo


async def message_pages(
    conversations: Sequence[tuple[int, int]], args: PageArgs
) -> dict[int, MessagePage]:
    """Pages for `(conversation id, message count)` pairs that share the same page arguments."""
    size = args.size
    params = Params(dialect())
    conditions = [f"conversation_id IN {params.add_all(pk for pk, _ in conversations)}"]
    after = parse_message_cursor(args.after) if args.after is not None else None
    before = parse_message_cursor(args.before) if args.before is not None else None
    if after is not None:
        conditions.append(f"sequence > {params.add(after)}")
    if before is not None:
        conditions.append(f"sequence < {params.add(before)}")
    direction = "ASC" if args.forward else "DESC"
    sql = (
        "SELECT * FROM (SELECT m.*, ROW_NUMBER() OVER "
        f"(PARTITION BY conversation_id ORDER BY sequence {direction}) AS page_rank "
        f"FROM message m WHERE {' AND '.join(conditions)}) ranked "
        f"WHERE page_rank <= {params.add(size + 1)} ORDER BY conversation_id, sequence"
    )
    found: dict[int, list[Message]] = {pk: [] for pk, _ in conversations}
    for row in await fetch_models(Message, sql, params):
        found[row.conversation_id].append(row)
    return {
        pk: _page(found[pk], message_count, args, size, after, before)
        for pk, message_count in conversations
    }


def _page(
    rows: list[Message],
    count: int,
    args: PageArgs,
    size: int,
    after: int | None,
    before: int | None,
) -> MessagePage:
    if len(rows) > size:
        rows = rows[:size] if args.forward else rows[1:]
    if rows:
        # Sequences run 1..count with no gaps, so both neighbours are known exactly.
        first, last = rows[0].sequence, rows[-1].sequence
        has_previous, has_next = first > 1, last < count
    else:
        has_previous = after is not None and min(after, count) >= 1
        has_next = before is not None and before <= count
    return MessagePage(
        rows=rows,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=message_cursor(rows[0].sequence) if rows else None,
            end_cursor=message_cursor(rows[-1].sequence) if rows else None,
        ),
    )
