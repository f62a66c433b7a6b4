"""`recomputeCosts`: what today's prices would change, and applying exactly that."""

from decimal import Decimal
from typing import Annotated

import strawberry

from resolvers.reprice import MAX_REPLIES, Reprice, recompute_costs
from schema.context import Info
from schema.filters import FilterArgument, to_filter


@strawberry.type(description="What repricing changes for one provider's model.")
class ModelReprice:
    provider: str = strawberry.field(description="The provider.")
    model: str = strawberry.field(description="The model.")
    replies: int = strawberry.field(description="Its replies whose figures change.")
    old_cost: Decimal = strawberry.field(description="What those replies cost now.")
    new_cost: Decimal = strawberry.field(description="What they cost at today's prices.")


@strawberry.type(description="A reprice: what it changes (dry run), or what it changed.")
class RepriceReport:
    applied: bool = strawberry.field(description="False for a dry run: nothing was written.")
    replies_examined: int = strawberry.field(
        description="Replies priced from the table or unknown (given costs are never repriced)."
    )
    replies_changed: int = strawberry.field(description="Replies whose figures change.")
    newly_priced: int = strawberry.field(description="Unknown costs the table now knows.")
    old_total: Decimal = strawberry.field(description="The examined replies' cost now.")
    new_total: Decimal = strawberry.field(description="Their cost at today's prices.")
    by_model: list[ModelReprice] = strawberry.field(description="Per model, by name.")

    @classmethod
    def of(cls, report: Reprice) -> "RepriceReport":
        return cls(
            applied=report.applied,
            replies_examined=report.replies_examined,
            replies_changed=report.replies_changed,
            newly_priced=report.newly_priced,
            old_total=report.old_total,
            new_total=report.new_total,
            by_model=[
                ModelReprice(
                    provider=m.provider,
                    model=m.model,
                    replies=m.replies,
                    old_cost=m.old_cost,
                    new_cost=m.new_cost,
                )
                for m in report.by_model
            ],
        )


@strawberry.type
class RepriceMutations:
    @strawberry.mutation(
        description="Reprices the filter's replies at today's price table, each at the prices in "
        "force at its own time: `dryRun: true` (the default, READ) reports what would change; "
        "`dryRun: false` (WRITE) applies exactly that in one transaction, keeping each reply's "
        f"old figures in its `costHistory`. At most {MAX_REPLIES:,} replies a call."
    )
    async def recompute_costs(
        self,
        info: Info,
        filter: FilterArgument = None,
        dry_run: Annotated[
            bool, strawberry.argument(description="Only report; write nothing.")
        ] = True,
    ) -> RepriceReport:
        caller = info.context.reader() if dry_run else info.context.caller().require_writer()
        report = await recompute_costs(caller.workspace_id, to_filter(filter), dry_run=dry_run)
        return RepriceReport.of(report)
