"""What a written message carries and what follows from it, shared by the live write path and
recorded history, so a conversation's totals mean the same whichever way it was written."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from models import Conversation, Message
from resolvers.pricing import price_reply


@dataclass(frozen=True)
class ReplyUsage:
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = 0
    cost: Decimal | None = None
    """Given cost, kept as given; None to price the reply from the model's price."""


@dataclass(frozen=True)
class Visit:
    session_id: str
    page_url: str | None = None
    user_agent: str | None = None
    locale: str | None = None


def visitor_fields(visit: Visit | None) -> dict[str, Any]:
    """The conversation columns of a web-widget visitor (all None without one)."""
    return {
        "visitor_session_id": visit.session_id if visit else None,
        "visitor_page_url": visit.page_url if visit else None,
        "visitor_user_agent": visit.user_agent if visit else None,
        "visitor_locale": visit.locale if visit else None,
    }


def apply_usage(message: Message, usage: ReplyUsage | None, at: datetime) -> None:
    """Sets a reply's usage; without a given cost it is priced at `at`, or left unknown."""
    if usage is None:
        return
    message.provider, message.model = usage.provider, usage.model
    message.input_tokens = usage.input_tokens
    message.output_tokens = usage.output_tokens
    message.cached_input_tokens = usage.cached_input_tokens
    if usage.cost is not None:
        message.cost = usage.cost
        return
    priced = price_reply(
        usage.provider,
        usage.model,
        usage.input_tokens,
        usage.output_tokens,
        usage.cached_input_tokens,
        at,
    )
    if priced is not None:
        message.cost = priced.cost
        message.input_price = priced.input_price
        message.output_price = priced.output_price
        message.cached_input_price = priced.cached_input_price


def add_to_totals(conversation: Conversation, message: Message) -> None:
    """Counts a new message into its conversation's running totals."""
    conversation.message_count += 1
    if message.provider is None:
        return
    conversation.input_tokens += message.input_tokens or 0
    conversation.output_tokens += message.output_tokens or 0
    conversation.cached_input_tokens += message.cached_input_tokens or 0
    if message.cost is None:
        conversation.unpriced_replies += 1
    else:
        conversation.cost += message.cost
