"""`usageSummary`: what a workspace's conversations cost and did, bucket by bucket, for a chart."""

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from models.enums import ConversationStatus, ConversationType
from models.money import from_units, to_units
from resolvers.ids import encode_id
from resolvers.summary import Bucket, Grouping, Summary, usage_summary
from schema.assistant import Assistant
from schema.common import answer
from schema.context import Info
from schema.enums import describe
from schema.filters import FilterArgument, to_filter
from schema.scalars import JSON, BigInt

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


@strawberry.type(description="One bucket of a usage summary: its key, and what it holds.")
class UsageBucket:
    start: datetime | None = strawberry.field(description="Time buckets: where it begins (UTC).")
    end: datetime | None = strawberry.field(description="Time buckets: where the next begins.")
    type: ConversationType | None = strawberry.field(description="TYPE: the type.")
    status: ConversationStatus | None = strawberry.field(description="STATUS: the status.")
    assistant_id: strawberry.ID | None = strawberry.field(description="ASSISTANT: its ID.")
    provider: str | None = strawberry.field(description="MODEL and PROVIDER: the provider.")
    model: str | None = strawberry.field(description="MODEL: the model.")
    value: JSON | None = strawberry.field(description="VARIABLE: the value (null: not set).")
    conversations: int = strawberry.field(description="Conversations in the bucket.")
    messages: int = strawberry.field(
        description="Their messages (by MODEL or PROVIDER: that model's replies)."
    )
    replies: int = strawberry.field(description="The assistant's messages among them.")
    input_tokens: BigInt = strawberry.field(description="Prompt tokens, cached ones included.")
    output_tokens: BigInt = strawberry.field(description="Completion tokens.")
    cached_input_tokens: BigInt = strawberry.field(description="Prompt tokens read from a cache.")
    cost: Decimal = strawberry.field(description="Exact total cost in USD.")
    cost_known: bool = strawberry.field(
        description="False when a reply had no known price: `cost` then leaves it out."
    )
    average_messages: float | None = strawberry.field(
        description="messages ÷ conversations; null for an empty bucket."
    )
    average_cost: Decimal | None = strawberry.field(
        description="cost ÷ conversations, exact to 10⁻¹² USD (rounded half even); null when empty."
    )
    average_duration_seconds: float | None = strawberry.field(
        description="Mean of endedAt (or now, while active) minus startedAt; null when empty."
    )
    rated_conversations: int = strawberry.field(description="Conversations the visitor rated.")
    average_rating: float | None = strawberry.field(
        description="Their mean rating (1–5); null when none was rated."
    )
    rating_counts: list[int] = strawberry.field(
        description="How many were rated 1, 2, 3, 4 and 5 (five numbers)."
    )
    assistant_pk: strawberry.Private[int | None] = None

    @strawberry.field(description="ASSISTANT: the assistant.")
    def assistant(self, info: Info) -> Assistant | None:
        if self.assistant_pk is None:
            return None
        return answer(info.context.loaders.assistant.get(self.assistant_pk), Assistant.found)

    @classmethod
    def of(cls, bucket: Bucket) -> "UsageBucket":
        totals = bucket.totals
        n = totals.conversations
        pk = bucket.assistant_id
        return cls(
            start=bucket.start,
            end=bucket.end,
            type=bucket.type,
            status=bucket.status,
            assistant_id=strawberry.ID(encode_id("Assistant", pk)) if pk is not None else None,
            assistant_pk=pk,
            provider=bucket.provider,
            model=bucket.model,
            value=JSON(json.loads(bucket.value_json)) if bucket.value_json is not None else None,
            conversations=n,
            messages=totals.messages,
            replies=totals.replies,
            input_tokens=BigInt(totals.input_tokens),
            output_tokens=BigInt(totals.output_tokens),
            cached_input_tokens=BigInt(totals.cached_input_tokens),
            cost=totals.cost,
            cost_known=totals.cost_known,
            average_messages=totals.messages / n if n else None,
            average_cost=from_units(round(to_units(totals.cost) / n)) if n else None,
            average_duration_seconds=totals.duration_seconds / n if n else None,
            rated_conversations=totals.rated,
            average_rating=totals.rating_sum / totals.rated if totals.rated else None,
            rating_counts=list(totals.rating_counts),
        )


@strawberry.type(description="A usage summary: one bucket per key, empty ones included, in order.")
class UsageSummary:
    group_by: Grouping = strawberry.field(description="How it is bucketed.")
    time_zone: str = strawberry.field(description="The zone calendar buckets follow.")
    buckets: list[UsageBucket] = strawberry.field(
        description="Time buckets in time order; TYPE and STATUS in the enum's order; ASSISTANT "
        "by creation; MODEL and PROVIDER by name; VARIABLE by value, null last."
    )

    @classmethod
    def of(cls, summary: Summary) -> "UsageSummary":
        return cls(
            group_by=summary.grouping,
            time_zone=summary.time_zone,
            buckets=[UsageBucket.of(bucket) for bucket in summary.buckets],
        )


@strawberry.type
class SummaryQueries:
    @strawberry.field(
        description="Conversations, messages, tokens and exact cost per bucket of time, type, "
        "status, assistant, model, provider or a variable's value, for the filter's "
        "conversations; TEST ones only when the filter names the type. Time buckets cover "
        "startedAfter…startedBefore (default: the first matching conversation … now), at most "
        "1,000 of them."
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
        workspace_id = info.context.reader().workspace_id
        summary = await usage_summary(
            workspace_id, to_filter(filter), group_by, time_zone, variable
        )
        return UsageSummary.of(summary)
