"""The conversation filter as clients send it: one input for the list, the counts, the live views
and exports, turned into the resolvers' one `ConversationFilter`."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from resolvers import filters
from resolvers.ids import decode_id
from schema.enums import ConversationStatus, ConversationType, Handling
from schema.scalars import JSON


@strawberry.input(description="A condition on a conversation's variables (either source).")
class VariableCondition:
    name: str = strawberry.field(description="Variable name.")
    equals: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Has this exact value (null matches a null value)."
    )
    exists: bool | None = strawberry.field(
        default=None,
        description="true: has the variable; false: has not. With neither field: true.",
    )


@strawberry.input(description="Conditions on a conversation's labels.")
class LabelFilter:
    any_of: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Carries at least one of these labels."
    )
    all_of: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Carries every one of these labels."
    )


@strawberry.input(
    description="Conversations for which all given conditions hold. The list, the count and the "
    "live views all use the same filter, so a badge always agrees with its list."
)
class ConversationFilter:
    types: list[ConversationType] | None = strawberry.field(
        default=None, description="Any of these types."
    )
    statuses: list[ConversationStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    assistant_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Handled by any of these assistants."
    )
    started_after: datetime | None = strawberry.field(
        default=None, description="Started at or after this time."
    )
    started_before: datetime | None = strawberry.field(
        default=None, description="Started before this time."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words that must all appear in one message (case-insensitive, whole words).",
    )
    variables: list[VariableCondition] | None = strawberry.field(
        default=None, description="Conditions on variables, all of which must hold."
    )
    min_cost: Decimal | None = strawberry.field(default=None, description="Total cost ≥ this.")
    max_cost: Decimal | None = strawberry.field(default=None, description="Total cost ≤ this.")
    min_rating: int | None = strawberry.field(
        default=None, description="Rated by the visitor at least this (1–5)."
    )
    max_rating: int | None = strawberry.field(
        default=None, description="Rated by the visitor at most this (1–5)."
    )
    rated: bool | None = strawberry.field(
        default=None, description="true: rated by the visitor; false: not rated."
    )
    labels: LabelFilter | None = strawberry.field(
        default=None, description="Conditions on its labels, both of which must hold."
    )
    handlings: list[Handling] | None = strawberry.field(
        default=None, description="Handled by any of these: the inbox's WAITING."
    )
    assignee_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description='Assigned to any of these agents: one\'s own, for "mine".'
    )
    assigned: bool | None = strawberry.field(
        default=None, description="true: assigned to an agent; false: to none."
    )

    def to_filter(self) -> filters.ConversationFilter:
        return filters.ConversationFilter(
            types=tuple(self.types) if self.types is not None else None,
            statuses=tuple(self.statuses) if self.statuses is not None else None,
            assistant_ids=(
                tuple(decode_id(value, "Assistant") for value in self.assistant_ids)
                if self.assistant_ids is not None
                else None
            ),
            started_after=self.started_after,
            started_before=self.started_before,
            search=self.search,
            variables=tuple(
                filters.VariableCondition(
                    name=condition.name,
                    equals_json=(
                        None
                        if condition.equals is strawberry.UNSET
                        else filters.canonical_json(condition.equals)
                    ),
                    exists=condition.exists,
                )
                for condition in self.variables or ()
            ),
            min_cost=self.min_cost,
            max_cost=self.max_cost,
            min_rating=self.min_rating,
            max_rating=self.max_rating,
            rated=self.rated,
            labels_any=(
                tuple(decode_id(pk, "Label") for pk in self.labels.any_of)
                if self.labels is not None and self.labels.any_of is not None
                else None
            ),
            labels_all=tuple(
                decode_id(pk, "Label")
                for pk in (self.labels.all_of or () if self.labels is not None else ())
            ),
            handlings=tuple(self.handlings) if self.handlings is not None else None,
            assignee_ids=(
                tuple(decode_id(pk, "Agent") for pk in self.assignee_ids)
                if self.assignee_ids is not None
                else None
            ),
            assigned=self.assigned,
        )


def to_filter(where: ConversationFilter | None) -> filters.ConversationFilter:
    return where.to_filter() if where is not None else filters.ConversationFilter()


FilterArgument = Annotated[
    ConversationFilter | None, strawberry.argument(description="Only matching conversations.")
]
