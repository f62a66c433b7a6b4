"""Token and cost totals: per conversation from its running counters, per model by one GROUP BY."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from models import Conversation
from models.money import from_units
from resolvers.sql import Params, dialect, fetch

CURRENCY = "USD"


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


def conversation_usage(row: Conversation) -> UsageTotals:
    return UsageTotals(
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cached_input_tokens=row.cached_input_tokens,
        cost=row.cost,
        cost_known=row.unpriced_replies == 0,
    )


async def usage_by_model(conversation_ids: Sequence[int]) -> dict[int, list[ModelUsage]]:
    params = Params(dialect())
    sql = (
        "SELECT conversation_id, provider, model, COUNT(*) AS replies, "
        "COALESCE(SUM(input_tokens), 0) AS input_tokens, "
        "COALESCE(SUM(output_tokens), 0) AS output_tokens, "
        "COALESCE(SUM(cached_input_tokens), 0) AS cached_input_tokens, "
        "COALESCE(SUM(cost_e12), 0) AS cost_e12, "
        "SUM(CASE WHEN cost_e12 IS NULL THEN 1 ELSE 0 END) AS unpriced "
        f"FROM message WHERE conversation_id IN {params.add_all(conversation_ids)} "
        "AND provider IS NOT NULL "
        "GROUP BY conversation_id, provider, model ORDER BY conversation_id, provider, model"
    )
    found: dict[int, list[ModelUsage]] = {pk: [] for pk in conversation_ids}
    for row in await fetch(sql, params):
        found[row["conversation_id"]].append(
            ModelUsage(
                provider=row["provider"],
                model=row["model"],
                replies=int(row["replies"]),
                usage=UsageTotals(
                    input_tokens=int(row["input_tokens"]),
                    output_tokens=int(row["output_tokens"]),
                    cached_input_tokens=int(row["cached_input_tokens"]),
                    cost=from_units(int(row["cost_e12"])),
                    cost_known=int(row["unpriced"]) == 0,
                ),
            )
        )
    return found
