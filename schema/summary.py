"""`usageSummary`: what a workspace's conversations cost and did, bucket by bucket, for a chart."""

import json
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from models.enums import ConversationStatus, ConversationType
from models.money import from_units, to_units
from resolvers.ids import encode_id
from resolvers.summary import Bucket, Grouping, Summary, Totals, usage_summary
from schema.assistant import Assistant
from schema.context import Info
from schema.enums import describe
from schema.filters import ConversationFilter, FilterArgument, to_filter
from schema.reads import Read, built, column, computed, enum, field, nested, root, time
from schema.scalars import JSON, BigInt, serialize_decimal

describe(
    Grouping,
    "How `usageSummary` buckets conversations.",
    {
        "HOUR": "By the local hour their startedAt falls in (a repeated hour is two buckets).",
        "DAY": "By local calendar day of startedAt.",
        "WEEK": "By local calendar week (from Monday, ISO 8601) of startedAt.",
        "MONTH": "By local calendar month of startedAt.",
        "TYPE": "By type (TEST only when the filter names it).",
        "STATUS": "By status.",
        "ASSISTANT": "By assistant: every one the filter allows, with or without conversations.",
        "MODEL": "By provider and model of their replies (a conversation in each it used).",
        "PROVIDER": "By provider of their replies (a conversation in each it used).",
        "VARIABLE": "By the value of the variable named in `variable` (null: not set).",
    },
    name="UsageGrouping",
)


def _average(total: Callable[[Totals], float]) -> Callable[[Bucket], float | None]:
    """A total ÷ the bucket's conversations; None for an empty bucket."""

    def average(bucket: Bucket) -> float | None:
        n = bucket.totals.conversations
        return total(bucket.totals) / n if n else None

    return average


def _per(
    total: Callable[[Totals], float], count: Callable[[Totals], int]
) -> Callable[[Bucket], float | None]:
    """A total ÷ how many it sums; None when none."""

    def average(bucket: Bucket) -> float | None:
        n = count(bucket.totals)
        return total(bucket.totals) / n if n else None

    return average


def _average_cost(bucket: Bucket) -> Decimal | None:
    n = bucket.totals.conversations
    return from_units(round(to_units(bucket.totals.cost) / n)) if n else None


def _average_rating(bucket: Bucket) -> float | None:
    totals = bucket.totals
    return totals.rating_sum / totals.rated if totals.rated else None


def _value(bucket: Bucket) -> JSON | None:
    return JSON(json.loads(bucket.value_json)) if bucket.value_json is not None else None


def _total(name: str) -> Read:
    return computed(lambda bucket: getattr(bucket.totals, name))


@strawberry.type(description="One bucket of a usage summary: its key, and what it holds.")
class UsageBucket:
    """Read from the summary's bucket."""

    start: datetime | None = field(time("start"), "Time buckets: where it begins (UTC).")
    end: datetime | None = field(time("end"), "Time buckets: where the next begins.")
    type: ConversationType | None = field(enum("type", ConversationType), "TYPE: the type.")
    status: ConversationStatus | None = field(
        enum("status", ConversationStatus), "STATUS: the status."
    )
    assistant_id: strawberry.ID | None = field(
        computed(
            lambda bucket: (
                None
                if bucket.assistant_id is None
                else strawberry.ID(encode_id("Assistant", bucket.assistant_id))
            )
        ),
        "ASSISTANT: its ID.",
    )
    assistant: Assistant | None = field(
        nested(lambda bucket: bucket.assistant, Assistant), "ASSISTANT: the assistant."
    )
    provider: str | None = field(column("provider"), "MODEL and PROVIDER: the provider.")
    model: str | None = field(column("model"), "MODEL: the model.")
    value: JSON | None = field(computed(_value), "VARIABLE: the value (null: not set).")
    conversations: int = field(_total("conversations"), "Conversations in the bucket.")
    messages: int = field(
        _total("messages"), "Their messages (by MODEL or PROVIDER: that model's replies)."
    )
    replies: int = field(_total("replies"), "The assistant's messages among them.")
    input_tokens: BigInt = field(_total("input_tokens"), "Prompt tokens, cached ones included.")
    output_tokens: BigInt = field(_total("output_tokens"), "Completion tokens.")
    cached_input_tokens: BigInt = field(
        _total("cached_input_tokens"), "Prompt tokens read from a cache."
    )
    cost: Decimal = field(
        computed(lambda bucket: bucket.totals.cost, serialize_decimal),
        "Exact total cost in USD.",
    )
    cost_known: bool = field(
        _total("cost_known"),
        "False when a reply had no known price: `cost` then leaves it out.",
    )
    average_messages: float | None = field(
        computed(_average(lambda totals: totals.messages)),
        "messages ÷ conversations; null for an empty bucket.",
    )
    average_cost: Decimal | None = field(
        computed(_average_cost, serialize_decimal),
        "cost ÷ conversations, exact to 10⁻¹² USD (rounded half even); null when empty.",
    )
    average_duration_seconds: float | None = field(
        computed(_average(lambda totals: totals.duration_seconds)),
        "Mean of endedAt (or now, while active) minus startedAt; null when empty.",
    )
    taken_over: int = field(
        _total("taken_over"), "Conversations a person took over after one was asked for."
    )
    average_wait_seconds: float | None = field(
        computed(_per(lambda t: t.waited_seconds, lambda t: t.taken_over)),
        "Their mean wait for a person, from the ask to the takeover; null when none.",
    )
    average_first_agent_reply_seconds: float | None = field(
        computed(_per(lambda t: t.first_agent_reply_seconds, lambda t: t.agent_replied)),
        "Mean time from asking for a person to a person's first message, over those a person "
        "wrote in; null when none.",
    )
    rated_conversations: int = field(_total("rated"), "Conversations the visitor rated.")
    average_rating: float | None = field(
        computed(_average_rating), "Their mean rating (1–5); null when none was rated."
    )
    rating_counts: list[int] = field(
        computed(lambda bucket: list(bucket.totals.rating_counts)),
        "How many were rated 1, 2, 3, 4 and 5 (five numbers).",
    )


@strawberry.type(description="A usage summary: one bucket per key, empty ones included, in order.")
class UsageSummary:
    """Read from the summary."""

    group_by: Grouping = field(enum("grouping", Grouping), "How it is bucketed.")
    time_zone: str = field(column("time_zone"), "The zone calendar buckets follow.")
    buckets: list[UsageBucket] = field(
        nested(lambda summary: summary.buckets, UsageBucket, many=True),
        "Time buckets in time order; TYPE and STATUS in the enum's order; ASSISTANT "
        "by creation; MODEL and PROVIDER by name; VARIABLE by value, null last.",
    )


async def _usage_summary(
    context: Any,
    group_by: Grouping,
    filter: ConversationFilter | None = None,
    time_zone: str = "UTC",
    variable: str | None = None,
) -> Summary:
    workspace_id = context.reader().workspace_id
    return await usage_summary(workspace_id, to_filter(filter), group_by, time_zone, variable)


@strawberry.type
class SummaryQueries:
    @strawberry.field(
        metadata=root(_usage_summary),
        description="Conversations, messages, tokens and exact cost per bucket of time, type, "
        "status, assistant, model, provider or a variable's value, for the filter's "
        "conversations; TEST ones only when the filter names the type. Time buckets cover "
        "startedAfter…startedBefore (default: the first matching conversation … now), at most "
        "1,000 of them.",
    )
    async def usage_summary(
        self,
        info: Info,
        group_by: Annotated[Grouping, strawberry.argument(description="The buckets.")],
        filter: FilterArgument = None,
        time_zone: Annotated[
            str, strawberry.argument(description="IANA zone of calendar buckets.")
        ] = "UTC",
        variable: Annotated[
            str | None, strawberry.argument(description="VARIABLE: the variable's name.")
        ] = None,
    ) -> UsageSummary:
        summary = await _usage_summary(info.context, group_by, filter, time_zone, variable)
        return built(UsageSummary, summary)
