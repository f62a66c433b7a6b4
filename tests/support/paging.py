"""Pages of conversations and messages read through the API, and conversations whose values tie.

`Page.of` checks that pageInfo's cursors agree with the edges; `tied_conversations` shares a handful
of values per ordering, so pages cut through runs of ties and only a tie-break by ID walks them
without gaps or repeats.
"""

from dataclasses import dataclass
from typing import Any

from models import Conversation
from resolvers.ids import encode_id
from tests.support import factories
from tests.support.api import Api, Result
from tests.support.factories import reply, said

CONVERSATIONS = """
query Page($orderBy: ConversationOrder, $filter: ConversationFilter,
           $first: Int, $after: String, $last: Int, $before: String) {
  conversations(orderBy: $orderBy, filter: $filter,
                first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id } }
  }
}
"""

MESSAGES = """
query Messages($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  conversation(id: $id) {
    messages(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { sequence content } }
    }
  }
}
"""

FIELDS = ["STARTED_AT", "LAST_ACTIVITY_AT", "COST", "MESSAGE_COUNT", "WAITING_SINCE"]
COSTS = ("0.000002", "9.99", "10.5")
"""As text "10.5" sorts before "9.99": ordering by cost must compare numbers."""
MICROSECOND = 1 / 60_000_000  # in minutes
NEAR = (-MICROSECOND, 0.0, MICROSECOND)
"""Times a microsecond apart, with and without a fraction of a second: stored as text on SQLite,
"09:10:00+00:00" must still sort before "09:10:00.000001+00:00"."""


@dataclass(frozen=True)
class Page:
    """One page of a connection, checked for agreement between its edges and its pageInfo."""

    items: list[Any]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total: int

    @property
    def start(self) -> str:
        return self.cursors[0]

    @property
    def end(self) -> str:
        return self.cursors[-1]

    @classmethod
    def of(cls, connection: dict[str, Any], item: str) -> "Page":
        edges = connection["edges"]
        info = connection["pageInfo"]
        cursors = [edge["cursor"] for edge in edges]
        assert info["startCursor"] == (cursors[0] if cursors else None)
        assert info["endCursor"] == (cursors[-1] if cursors else None)
        return cls(
            items=[edge["node"][item] for edge in edges],
            cursors=cursors,
            has_next=info["hasNextPage"],
            has_previous=info["hasPreviousPage"],
            total=connection["totalCount"],
        )


def gid(row: Conversation) -> str:
    return encode_id("Conversation", row.id)


def assert_bad_user_input(result: Result) -> None:
    assert result.codes, "the request was accepted"
    assert set(result.codes) == {"BAD_USER_INPUT"}, result.errors


async def conversation_page(api: Api, key: str, **arguments: Any) -> Page:
    result = await api(CONVERSATIONS, arguments, key=key)
    return Page.of(result.data["conversations"], "id")


async def walk_forward(api: Api, key: str, size: int, **arguments: Any) -> list[Page]:
    pages = [await conversation_page(api, key, first=size, **arguments)]
    while pages[-1].has_next:
        assert len(pages) < 50, "the walk does not end"
        pages.append(
            await conversation_page(api, key, first=size, after=pages[-1].end, **arguments)
        )
    return pages


async def walk_backward(api: Api, key: str, size: int, **arguments: Any) -> list[Page]:
    pages = [await conversation_page(api, key, last=size, **arguments)]
    while pages[-1].has_previous:
        assert len(pages) < 50, "the walk does not end"
        pages.append(
            await conversation_page(api, key, last=size, before=pages[-1].start, **arguments)
        )
    return pages


async def tied_conversations(count: int = 25) -> tuple[str, list[Conversation]]:
    """`count` conversations sharing 3 values of each ordering, plus a stranger's to be left out.

    The values repeat with different periods, so each ordering groups the rows differently; a
    quarter never waited for a person (no `waiting_since`: last in either direction).
    """
    workspace_id, key = await factories.workspace()
    bot = await factories.assistant(workspace_id)
    rows = []
    for i in range(count):
        start = 10 + NEAR[i % 3]
        questions = [said(f"question {n}", 11) for n in range((i // 3) % 3)]
        answer = reply("answer", 40 + NEAR[(i // 5) % 3], cost=COSTS[(i // 2) % 3])
        row = await factories.conversation(
            workspace_id, bot.id, minute=start, messages=[*questions, answer]
        )
        waited = (*NEAR, None)[(i // 4) % 4]
        row.waiting_since = None if waited is None else factories.at(20 + waited)
        await Conversation.filter(id=row.id).update(waiting_since=row.waiting_since)
        rows.append(row)
    stranger_id, _ = await factories.workspace("Stranger Co")
    stranger_bot = await factories.assistant(stranger_id)
    for near in NEAR:
        await factories.conversation(
            stranger_id, stranger_bot.id, minute=10 + near, messages=[reply("x", 40, cost="9.99")]
        )
    return key, rows


def sort_value(row: Conversation, field: str) -> Any:
    return {
        "STARTED_AT": row.started_at,
        "LAST_ACTIVITY_AT": row.last_activity_at,
        "COST": row.cost,
        "MESSAGE_COUNT": row.message_count,
        "WAITING_SINCE": row.waiting_since,
    }[field]


def expected_order(rows: list[Conversation], field: str, direction: str) -> list[str]:
    """Sort value, then ID, both in the asked direction; rows without a value last, by ID in
    the asked direction."""
    valued = [row for row in rows if sort_value(row, field) is not None]
    ordered = sorted(
        valued, key=lambda row: (sort_value(row, field), row.id), reverse=direction == "DESC"
    )
    rest = sorted(
        (row for row in rows if sort_value(row, field) is None),
        key=lambda row: row.id,
        reverse=direction == "DESC",
    )
    return [gid(row) for row in [*ordered, *rest]]
