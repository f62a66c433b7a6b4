"""Tokens and cost: what a reply is charged (priced at the time of the reply unless given), the
running totals it adds to, and the totals read back, per conversation and per model.

The live write path and imported history both go through `apply_usage` and `add_to_totals`, so a
conversation's totals mean the same whichever way it was written."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from models import Conversation, CostChange, Message
from models.enums import PriceSource
from models.money import InexactMoneyError, to_units
from resolvers.errors import BadUserInput
from resolvers.forms import Problem
from resolvers.pricing import PRICE_TABLE_VERSION, price_reply
from resolvers.records import ConversationRecord

CURRENCY = "USD"


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
class UsageTotals:
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    cost: Decimal
    cost_known: bool
    """False when some reply's model had no price and no cost was given: `cost` is then a floor."""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class ModelUsage:
    provider: str
    model: str
    replies: int
    usage: UsageTotals


def conversation_usage(row: ConversationRecord) -> UsageTotals:
    return UsageTotals(
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cached_input_tokens=row.cached_input_tokens,
        cost=row.cost,
        cost_known=row.unpriced_replies == 0,
    )


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
        message.price_source = PriceSource.GIVEN
        return
    priced = price_reply(
        usage.provider,
        usage.model,
        usage.input_tokens,
        usage.output_tokens,
        usage.cached_input_tokens,
        at,
    )
    message.price_source = PriceSource.UNKNOWN
    if priced is not None:
        message.cost = priced.cost
        message.input_price = priced.input_price
        message.output_price = priced.output_price
        message.cached_input_price = priced.cached_input_price
        message.price_source = PriceSource.PRICE_TABLE
        message.price_version = PRICE_TABLE_VERSION


MAX_TOTAL_TOKENS = 2**31 - 1
"""A conversation's `totalTokens` is a GraphQL Int (32 bits): its totals stay readable."""
MAX_TOTAL_COST = Decimal(9_000_000)
"""A conversation's total cost: its column (a BIGINT of 10⁻¹² USD) holds about $9.2 million."""


def add_to_totals(conversation: Conversation, message: Message) -> None:
    """Counts a new message into its conversation's running totals; BAD_USER_INPUT, before
    anything is written, when they would pass what the totals can hold."""
    conversation.message_count += 1
    add_reply_usage(conversation, message)


USAGE_TOTALS = ("input_tokens", "output_tokens", "cached_input_tokens", "cost", "unpriced_replies")
"""The conversation's columns `add_reply_usage` changes."""


def add_reply_usage(conversation: Conversation, message: Message) -> None:
    """Counts a reply's usage into its conversation's totals (a streamed reply's when it is
    finished: it was counted as a message when it was opened)."""
    if message.provider is None:
        return
    conversation.input_tokens += message.input_tokens or 0
    conversation.output_tokens += message.output_tokens or 0
    conversation.cached_input_tokens += message.cached_input_tokens or 0
    if message.cost is None:
        conversation.unpriced_replies += 1
    else:
        conversation.cost += message.cost
    if conversation.input_tokens + conversation.output_tokens > MAX_TOTAL_TOKENS:
        raise BadUserInput(f"A conversation holds at most {MAX_TOTAL_TOKENS:,} tokens in all.")
    if conversation.cost > MAX_TOTAL_COST:
        raise BadUserInput(f"A conversation costs at most {MAX_TOTAL_COST:,} USD in all.")


async def cost_changes_of(message_ids: Sequence[int]) -> dict[int, list[CostChange]]:
    """Each reply's earlier figures, oldest first (one statement for a whole page)."""
    found: dict[int, list[CostChange]] = {pk: [] for pk in message_ids}
    for row in await CostChange.filter(message_id__in=message_ids).order_by("message_id", "id"):
        found[row.message_id].append(row)
    return found


MAX_REPLY_TOKENS = 100_000_000
"""Tokens of one kind in one reply: far beyond any model's context, well within the totals."""


def usage_problems(usage: ReplyUsage) -> list[Problem]:
    problems = [
        Problem(f"usage.{name}", "must not be negative")
        for name, value in (
            ("inputTokens", usage.input_tokens),
            ("outputTokens", usage.output_tokens),
            ("cachedInputTokens", usage.cached_input_tokens),
        )
        if value < 0
    ]
    problems += [
        Problem(f"usage.{name}", f"must be at most {MAX_REPLY_TOKENS:,}")
        for name, value in (
            ("inputTokens", usage.input_tokens),
            ("outputTokens", usage.output_tokens),
            ("cachedInputTokens", usage.cached_input_tokens),
        )
        if value > MAX_REPLY_TOKENS
    ]
    if usage.cached_input_tokens > usage.input_tokens:
        problems.append(Problem("usage.cachedInputTokens", "cannot exceed inputTokens"))
    if not 1 <= len(usage.provider) <= 64:
        problems.append(Problem("usage.provider", "needs 1 to 64 characters"))
    if not 1 <= len(usage.model) <= 128:
        problems.append(Problem("usage.model", "needs 1 to 128 characters"))
    if usage.cost is not None:
        if usage.cost < 0:
            problems.append(Problem("usage.cost", "must not be negative"))
        try:
            to_units(usage.cost)
        except InexactMoneyError as error:
            problems.append(Problem("usage.cost", str(error)))
    return problems
