"""What several domains share: the Node interface, small value types, and `answer`."""

from collections.abc import Awaitable, Callable, Generator, Sequence
from datetime import datetime
from decimal import Decimal
from inspect import isawaitable
from typing import Any, Generic, TypeVar, cast

import strawberry

from resolvers import pagination
from resolvers.records import LabelRecord
from resolvers.usage import CURRENCY, UsageTotals
from resolvers.usage import ModelUsage as ModelUsageRow
from schema.enums import Thumb
from schema.reads import (
    NODE_ID,
    built,
    column,
    constant,
    enum,
    field,
    key_id,
    money,
    nested,
    own_id,
    time,
)

V = TypeVar("V")
R = TypeVar("R")


def answer(found: V | Awaitable[V], shape: Callable[[V], R]) -> R:
    """`shape(found)` at once when a loader had the value, or an awaitable of it that graphql-core
    will await: strawberry needs the plain type in the annotation either way."""
    if isawaitable(found):
        return cast("R", _Shaped(found, shape))
    return shape(found)


class _Shaped(Generic[V, R]):
    """`shape` of what `found` gives, when awaited. Not a coroutine: graphql-core drops the
    awaitables of an object whose sibling field failed, and a dropped coroutine warns ("never
    awaited") when it is collected; this starts nothing until it is awaited."""

    __slots__ = ("_found", "_shape")

    def __init__(self, found: Awaitable[V], shape: Callable[[V], R]) -> None:
        self._found, self._shape = found, shape

    def __await__(self) -> Generator[Any, None, R]:
        value = yield from self._found.__await__()
        return self._shape(value)


@strawberry.interface(
    description="An object with an opaque global ID, refetchable with `node(id:)`."
)
class Node:
    id: strawberry.ID = field(NODE_ID, "Opaque global ID. Do not parse it.", visitor=True)


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = field(
        column("has_next_page"), "More items follow this page.", visitor=True
    )
    has_previous_page: bool = field(
        column("has_previous_page"), "Items precede this page.", visitor=True
    )
    start_cursor: str | None = field(
        column("start_cursor"), "Cursor of the first item.", visitor=True
    )
    end_cursor: str | None = field(column("end_cursor"), "Cursor of the last item.", visitor=True)

    @classmethod
    def of(cls, info: pagination.PageInfo) -> "PageInfo":
        return built(cls, info)


@strawberry.type(description="Tokens and cost, exact to 10⁻¹² USD.")
class Usage:
    input_tokens: int = field(column("input_tokens"), "Prompt tokens, cached ones included.")
    output_tokens: int = field(column("output_tokens"), "Completion tokens.")
    cached_input_tokens: int = field(
        column("cached_input_tokens"), "Prompt tokens read from a cache."
    )
    total_tokens: int = field(column("total_tokens"), "inputTokens + outputTokens.")
    cost: Decimal = field(money("cost"), "Cost in `currency`.")
    cost_known: bool = field(
        column("cost_known"),
        "False when a reply's model had no price and no cost was given: "
        "`cost` then leaves those replies out.",
    )
    currency: str = field(constant(CURRENCY), 'ISO 4217 code of `cost`: "USD".')

    @classmethod
    def of(cls, totals: UsageTotals) -> "Usage":
        return built(cls, totals)


@strawberry.type(description="Usage of one provider's model within a conversation.")
class ModelUsage:
    provider: str = field(column("provider"), 'Provider ID, e.g. "openai".')
    model: str = field(column("model"), 'Model name, e.g. "gpt-4o".')
    replies: int = field(column("replies"), "Assistant replies by this model.")
    usage: Usage = field(nested(lambda row: row.usage, Usage), "Their summed usage.")

    @classmethod
    def of(cls, row: ModelUsageRow) -> "ModelUsage":
        return built(cls, row)


@strawberry.type(description="The web-widget visitor of a conversation.")
class Visitor:
    """Read from the conversation's row."""

    session_id: str = field(
        column("visitor_session_id"), "The widget's session ID for this visitor.", visitor=True
    )
    page_url: str | None = field(
        column("visitor_page_url"), "Page the widget was opened on.", visitor=True
    )
    user_agent: str | None = field(
        column("visitor_user_agent"), "The visitor's browser.", visitor=True
    )
    locale: str | None = field(
        column("visitor_locale"), "The visitor's locale, e.g. en-GB.", visitor=True
    )


@strawberry.type(description="The visitor's rating of a conversation (CSAT).")
class ConversationRating:
    """Read from the conversation's row."""

    score: int = field(column("rating"), "1 (poor) to 5 (excellent).", visitor=True)
    comment: str | None = field(
        column("rating_comment"), "What the visitor wrote with it.", visitor=True
    )
    rated_at: datetime = field(time("rated_at"), "When (rating again replaces it).", visitor=True)


@strawberry.type(description="A reply's rating: thumbs up or down.")
class MessageFeedback:
    """Read from the message's row."""

    rating: Thumb = field(enum("thumb", Thumb), "Up or down.", visitor=True)
    reason: str | None = field(column("thumb_reason"), "Why, if given.", visitor=True)
    rated_at: datetime = field(time("thumbed_at"), "When.", visitor=True)
    by_key_id: strawberry.ID | None = field(
        key_id("thumbed_by_key_id"),
        "The secret key that rated it (a builder); null: the visitor did.",
    )


@strawberry.type(description="A workspace's label.")
class Label:
    id: strawberry.ID = field(own_id("Label"), "Its opaque ID.")
    name: str = field(column("name"), "Its name, unique in the workspace.")
    colour: str = field(column("colour"), '"#rrggbb".')

    @classmethod
    def of(cls, row: LabelRecord) -> "Label":
        return built(cls, row)


def labels(rows: Sequence[LabelRecord]) -> list[Label]:
    return [Label.of(row) for row in rows]
