"""What several domains share: the Node interface, small value types, and `answer`."""

from collections.abc import Awaitable, Callable, Generator, Sequence
from datetime import datetime
from decimal import Decimal
from inspect import isawaitable
from typing import Any, Generic, TypeVar, cast

import strawberry

from resolvers import pagination
from resolvers.ids import encode_id
from resolvers.records import LabelRecord
from resolvers.usage import CURRENCY, UsageTotals
from resolvers.usage import ModelUsage as ModelUsageRow
from schema.enums import Thumb
from schema.policy.visibility import VISITOR

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
    id: strawberry.ID = strawberry.field(
        metadata=VISITOR, description="Opaque global ID. Do not parse it."
    )


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        metadata=VISITOR, description="More items follow this page."
    )
    has_previous_page: bool = strawberry.field(
        metadata=VISITOR, description="Items precede this page."
    )
    start_cursor: str | None = strawberry.field(
        metadata=VISITOR, description="Cursor of the first item."
    )
    end_cursor: str | None = strawberry.field(
        metadata=VISITOR, description="Cursor of the last item."
    )

    @classmethod
    def of(cls, info: pagination.PageInfo) -> "PageInfo":
        return cls(
            has_next_page=info.has_next_page,
            has_previous_page=info.has_previous_page,
            start_cursor=info.start_cursor,
            end_cursor=info.end_cursor,
        )


@strawberry.type(description="Tokens and cost, exact to 10⁻¹² USD.")
class Usage:
    input_tokens: int = strawberry.field(description="Prompt tokens, cached ones included.")
    output_tokens: int = strawberry.field(description="Completion tokens.")
    cached_input_tokens: int = strawberry.field(description="Prompt tokens read from a cache.")
    total_tokens: int = strawberry.field(description="inputTokens + outputTokens.")
    cost: Decimal = strawberry.field(description="Cost in `currency`.")
    cost_known: bool = strawberry.field(
        description="False when a reply's model had no price and no cost was given: "
        "`cost` then leaves those replies out."
    )
    currency: str = strawberry.field(description='ISO 4217 code of `cost`: "USD".')

    @classmethod
    def of(cls, totals: UsageTotals) -> "Usage":
        return cls(
            input_tokens=totals.input_tokens,
            output_tokens=totals.output_tokens,
            cached_input_tokens=totals.cached_input_tokens,
            total_tokens=totals.total_tokens,
            cost=totals.cost,
            cost_known=totals.cost_known,
            currency=CURRENCY,
        )


@strawberry.type(description="Usage of one provider's model within a conversation.")
class ModelUsage:
    provider: str = strawberry.field(description='Provider ID, e.g. "openai".')
    model: str = strawberry.field(description='Model name, e.g. "gpt-4o".')
    replies: int = strawberry.field(description="Assistant replies by this model.")
    usage: Usage = strawberry.field(description="Their summed usage.")

    @classmethod
    def of(cls, row: ModelUsageRow) -> "ModelUsage":
        return cls(
            provider=row.provider, model=row.model, replies=row.replies, usage=Usage.of(row.usage)
        )


@strawberry.type(description="The web-widget visitor of a conversation.")
class Visitor:
    session_id: str = strawberry.field(
        metadata=VISITOR, description="The widget's session ID for this visitor."
    )
    page_url: str | None = strawberry.field(
        metadata=VISITOR, description="Page the widget was opened on."
    )
    user_agent: str | None = strawberry.field(
        metadata=VISITOR, description="The visitor's browser."
    )
    locale: str | None = strawberry.field(
        metadata=VISITOR, description="The visitor's locale, e.g. en-GB."
    )


@strawberry.type(description="The visitor's rating of a conversation (CSAT).")
class ConversationRating:
    score: int = strawberry.field(metadata=VISITOR, description="1 (poor) to 5 (excellent).")
    comment: str | None = strawberry.field(
        metadata=VISITOR, description="What the visitor wrote with it."
    )
    rated_at: datetime = strawberry.field(
        metadata=VISITOR, description="When (rating again replaces it)."
    )


@strawberry.type(description="A reply's rating: thumbs up or down.")
class MessageFeedback:
    rating: Thumb = strawberry.field(metadata=VISITOR, description="Up or down.")
    reason: str | None = strawberry.field(metadata=VISITOR, description="Why, if given.")
    rated_at: datetime = strawberry.field(metadata=VISITOR, description="When.")
    by_key_id: strawberry.ID | None = strawberry.field(
        description="The secret key that rated it (a builder); null: the visitor did."
    )


@strawberry.type(description="A workspace's label.")
class Label:
    id: strawberry.ID = strawberry.field(description="Its opaque ID.")
    name: str = strawberry.field(description="Its name, unique in the workspace.")
    colour: str = strawberry.field(description='"#rrggbb".')

    @classmethod
    def of(cls, row: LabelRecord) -> "Label":
        return cls(id=strawberry.ID(encode_id("Label", row.id)), name=row.name, colour=row.colour)


def labels(rows: Sequence[LabelRecord]) -> list[Label]:
    return [Label.of(row) for row in rows]
