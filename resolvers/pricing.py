"""What an assistant reply cost, from `genai-prices`' bundled price data (no network).

An unknown model is not an error: its reply keeps its tokens and has no cost, and the conversation
says its cost is not fully known. Nothing here makes up a number.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from importlib.metadata import version

from genai_prices import Usage, calc_price

PRICE_TABLE_VERSION = f"genai-prices {version('genai-prices')}"
"""The release whose bundled table prices replies now: kept with each reply it prices."""


@dataclass(frozen=True)
class Priced:
    cost: Decimal
    input_price: Decimal | None
    """USD per million input tokens, when the model has one flat price."""
    output_price: Decimal | None
    cached_input_price: Decimal | None


def _flat(price: object) -> Decimal | None:
    return price if isinstance(price, Decimal) else None


def price_reply(
    provider: str,
    model: str,
    input_tokens: int,
    output_tokens: int,
    cached_input_tokens: int,
    at: datetime,
) -> Priced | None:
    """The reply's cost at the prices in force at `at`; None when the model has no known price.

    `cached_input_tokens` are part of `input_tokens`, as providers report them.
    """
    try:
        calculation = calc_price(
            Usage(
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cache_read_tokens=cached_input_tokens or None,
            ),
            model_ref=model,
            provider_id=provider,
            genai_request_timestamp=at,
        )
    except LookupError:
        return None
    prices = calculation.model_price
    return Priced(
        cost=calculation.total_price,
        input_price=_flat(prices.input_mtok),
        output_price=_flat(prices.output_mtok),
        cached_input_price=_flat(prices.cache_read_mtok),
    )
