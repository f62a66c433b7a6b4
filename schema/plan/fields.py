"""What each object type's fields read from a listed row: getters for the plain fields of every
type a plan covers, and those whose value depends on the request's arguments (by slot).

Scalars are written by the schema's own serializers, IDs and cursors by the resolvers' own
encoders, and an assistant's form as `FormField.of` reads it, so a plan writes what the
executor would.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from models.enums import PriceSource, VariableType
from resolvers.events.log import event_cursor
from resolvers.ids import encode_id
from resolvers.listed import ListedConversation, ListedMessage, ListedVariable
from resolvers.listing import Listing
from resolvers.message import MessagePage
from resolvers.pagination import PageArgs
from resolvers.usage import CURRENCY, UsageTotals
from resolvers.variable import pick_variable
from schema.plan.collect import NotCoveredError
from schema.plan.shape import Bound, Getter, attribute, constant
from schema.scalars import serialize_datetime_text, serialize_decimal


def _time(text: str | None) -> str | None:
    return None if text is None else serialize_datetime_text(text)


def _duration(row: ListedConversation, _bound: Bound) -> float:
    until = row.ended_at or datetime.now(UTC)
    return max((until - row.started_at).total_seconds(), 0.0)


def message_usage(message: ListedMessage, _bound: Bound) -> UsageTotals | None:
    if message.provider is None:
        return None
    return UsageTotals(
        input_tokens=message.input_tokens or 0,
        output_tokens=message.output_tokens or 0,
        cached_input_tokens=message.cached_input_tokens or 0,
        cost=message.cost if message.cost is not None else Decimal(0),
        cost_known=message.cost is not None,
    )


def assistant(row: ListedConversation, _bound: Bound) -> Any:
    if row.assistant is None:
        raise NotCoveredError("a missing assistant is an error the executor writes")
    return row.assistant


def visitor(row: ListedConversation, _bound: Bound) -> Any:
    return row if row.visitor_session_id is not None else None


def rating(row: ListedConversation, _bound: Bound) -> Any:
    """As `Conversation.of` reads it: a score with the time it was given."""
    return row if row.rating is not None and row.rated_at_text is not None else None


def pricing(message: ListedMessage, _bound: Bound) -> Any:
    """As `Message.of` reads it: replies (with a provider) only."""
    return message if message.provider is not None else None


def feedback(message: ListedMessage, _bound: Bound) -> Any:
    """As `schema.message._feedback` reads it: a thumb with the time it was given."""
    return message if message.thumb is not None and message.thumbed_at_text is not None else None


def _key_id(key: int | None) -> str | None:
    return None if key is None else encode_id("ApiKey", key)


def scalars(type_name: str, table: Mapping[str, Getter]) -> dict[str, Getter]:
    return {"__typename": constant(type_name), **table}


USAGE = scalars(
    "Usage",
    {
        "inputTokens": attribute("input_tokens"),
        "outputTokens": attribute("output_tokens"),
        "cachedInputTokens": attribute("cached_input_tokens"),
        "totalTokens": attribute("total_tokens"),
        "cost": attribute("cost", serialize_decimal),
        "costKnown": attribute("cost_known"),
        "currency": constant(CURRENCY),
    },
)
VISITOR = scalars(
    "Visitor",
    {
        "sessionId": attribute("visitor_session_id"),
        "pageUrl": attribute("visitor_page_url"),
        "userAgent": attribute("visitor_user_agent"),
        "locale": attribute("visitor_locale"),
    },
)
ASSISTANT = scalars(
    "Assistant",
    {
        "id": lambda item, _bound: encode_id("Assistant", item.id),
        "name": attribute("name"),
        "createdAt": attribute("created_at_text", serialize_datetime_text),
    },
)
FORM_FIELD = scalars(
    "FormField",
    {
        "name": lambda item, _bound: item["name"],
        "label": lambda item, _bound: item.get("label", item["name"]),
        "type": lambda item, _bound: VariableType(item["type"]).value,
        "required": lambda item, _bound: bool(item.get("required", False)),
        "options": lambda item, _bound: item.get("options"),
        "pattern": lambda item, _bound: item.get("pattern"),
    },
)
VARIABLE_DEFINITION = scalars(
    "VariableDefinition",
    {
        "name": lambda item, _bound: item["name"],
        "type": lambda item, _bound: VariableType(item["type"]).value,
        "description": lambda item, _bound: item.get("description"),
    },
)
"""An assistant's form and variables are JSON lists, read as `FormField.of` and
`VariableDefinition.of` read them."""
VARIABLE = scalars(
    "Variable",
    {
        "name": attribute("name"),
        "value": attribute("value"),
        "type": attribute("type"),
        "source": attribute("source"),
        "collectedAt": attribute("collected_at_text", serialize_datetime_text),
        "setByKeyId": lambda item, _bound: _key_id(item.set_by_key_id),
        "messageSequence": attribute("message_sequence"),
    },
)
LABEL = scalars(
    "Label",
    {
        "id": lambda item, _bound: encode_id("Label", item.id),
        "name": attribute("name"),
        "colour": attribute("colour"),
    },
)
RATING = scalars(
    "ConversationRating",
    {
        "score": attribute("rating"),
        "comment": attribute("rating_comment"),
        "ratedAt": attribute("rated_at_text", serialize_datetime_text),
    },
)
REPLY_PRICING = scalars(
    "ReplyPricing",
    {
        "source": lambda item, _bound: item.price_source or PriceSource.UNKNOWN.value,
        "version": attribute("price_version"),
        "inputPerMillion": attribute("input_price", serialize_decimal),
        "cachedInputPerMillion": attribute("cached_input_price", serialize_decimal),
        "outputPerMillion": attribute("output_price", serialize_decimal),
    },
)
FEEDBACK = scalars(
    "MessageFeedback",
    {
        "rating": attribute("thumb"),
        "reason": attribute("thumb_reason"),
        "ratedAt": attribute("thumbed_at_text", serialize_datetime_text),
        "byKeyId": lambda item, _bound: _key_id(item.thumbed_by_key_id),
    },
)
PAGE_INFO = scalars(
    "PageInfo",
    {
        "hasNextPage": attribute("has_next_page"),
        "hasPreviousPage": attribute("has_previous_page"),
        "startCursor": attribute("start_cursor"),
        "endCursor": attribute("end_cursor"),
    },
)
MESSAGE = scalars(
    "Message",
    {
        "id": lambda item, _bound: encode_id("Message", item.id),
        "sequence": attribute("sequence"),
        "role": attribute("role"),
        "content": attribute("content"),
        "createdAt": attribute("created_at_text", serialize_datetime_text),
        "model": attribute("model"),
        "provider": attribute("provider"),
    },
)
CONVERSATION = scalars(
    "Conversation",
    {
        "id": lambda item, _bound: encode_id("Conversation", item.id),
        "type": attribute("type"),
        "mode": attribute("mode"),
        "status": attribute("status"),
        "startedAt": attribute("started_at_text", serialize_datetime_text),
        "lastActivityAt": attribute("last_activity_at_text", serialize_datetime_text),
        "endedAt": lambda item, _bound: _time(item.ended_at_text),
        "durationSeconds": _duration,
        "messageCount": attribute("message_count"),
        "externalId": attribute("external_id"),
    },
)


def edges(listing: Listing, _bound: Bound) -> Iterable[tuple[ListedConversation, Listing]]:
    return [(row, listing) for row in listing.rows]


def cursor(pair: tuple[ListedConversation, Listing], _bound: Bound) -> str:
    return pair[1].window.cursor(pair[0])


def events_cursor(listing: Listing, _bound: Bound) -> str:
    assert listing.event_seq is not None  # asked for with the page
    return event_cursor(listing.event_seq)


def variables_of(slot: int) -> Getter:
    def get(row: ListedConversation, bound: Bound) -> list[ListedVariable]:
        source = bound[slot]
        found = row.variables or []
        return [item for item in found if source is None or item.source == source]

    return get


def variable_of(slot: int) -> Getter:
    def get(row: ListedConversation, bound: Bound) -> ListedVariable | None:
        return pick_variable(row.variables or [], bound[slot])

    return get


def message_page_of(slot: int) -> Getter:
    def get(row: ListedConversation, bound: Bound) -> tuple[MessagePage[ListedMessage], int]:
        args: PageArgs = bound[slot]
        assert row.message_pages is not None
        return row.message_pages[args], row.message_count

    return get
