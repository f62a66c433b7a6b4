"""Table 2: a page deep in the list must cost what the first page costs.

Keyset pagination seeks straight to the cursor through the ordering's index; an OFFSET would read
and drop every row before it, and the deep page would grow with the list.
"""

from dataclasses import dataclass
from typing import Any

from bench.client import Request
from bench.explain import Explained
from bench.pages import PLAIN
from bench.report import noise, ratio, us
from bench.runner import Bench, Result, Spec, ratio_to_baseline, run_table
from models import Conversation
from resolvers.keyset import ConversationOrder, OrderField, cursor_of

PAGE = 20
QUERY = (
    "query Depth($first: Int, $last: Int, $after: String, $orderBy: ConversationOrder) "
    "{ conversations(first: $first, last: $last, after: $after, orderBy: $orderBy) "
    f"{{ edges {{ node {{ {PLAIN} }} }} pageInfo {{ hasNextPage hasPreviousPage }} }} }}"
)
NEWEST = ConversationOrder(OrderField.STARTED_AT, descending=True)
CHEAPEST = ConversationOrder(OrderField.COST, descending=False)
_ORM_ORDER = {NEWEST: ("-started_at", "-id"), CHEAPEST: ("cost", "id")}
_ARGUMENT = {
    NEWEST: {"field": "STARTED_AT", "direction": "DESC"},
    CHEAPEST: {"field": "COST", "direction": "ASC"},
}
FIRST, CHEAP_FIRST = "newest: first page", "cost ASC: first page"
DEEP = ("newest: last page", "cost ASC: last page")
HEADERS = ("case", "from row", "rows", "stmts", "µs/req", "±", "req/s", "ratio", "vs")


@dataclass(frozen=True)
class Placed:
    spec: Spec
    position: int
    """Where the page starts in the ordered list (0-based)."""


async def cursor_at(bench: Bench, order: ConversationOrder, position: int) -> str:
    """The cursor of the row at `position` (0-based) in `order`, as the API would hand it out."""
    row = (
        await Conversation.filter(workspace_id=bench.data.workspace_id)
        .order_by(*_ORM_ORDER[order])
        .offset(position)
        .first()
    )
    if row is None:
        raise RuntimeError(f"no conversation at position {position}")
    return cursor_of(order, row)


async def _after(
    bench: Bench, name: str, order: ConversationOrder, cursor_row: int | None, baseline: str | None
) -> Placed:
    """A forward page starting after the row at `cursor_row`, or at the top when None."""
    variables: dict[str, Any] = {"first": PAGE, "orderBy": _ARGUMENT[order]}
    if cursor_row is not None:
        variables["after"] = await cursor_at(bench, order, cursor_row)
    position = 0 if cursor_row is None else cursor_row + 1
    return Placed(Spec(name, Request.of(QUERY, variables), baseline), position)


async def _placed(bench: Bench) -> list[Placed]:
    total = bench.data.conversations
    middle, deep = total // 2, total - PAGE - 1
    tail = Request.of(QUERY, {"last": PAGE, "orderBy": _ARGUMENT[NEWEST]})
    return [
        await _after(bench, FIRST, NEWEST, None, None),
        await _after(bench, "newest: middle page", NEWEST, middle, FIRST),
        await _after(bench, DEEP[0], NEWEST, deep, FIRST),
        await _after(bench, CHEAP_FIRST, CHEAPEST, None, FIRST),
        await _after(bench, DEEP[1], CHEAPEST, deep, CHEAP_FIRST),
        Placed(Spec("newest: last: 20 (read backwards)", tail, FIRST), total - PAGE),
    ]


def _line(results: dict[str, Result], placed: Placed) -> list[str]:
    result = results[placed.spec.name]
    return [
        placed.spec.name,
        f"{placed.position:,}",
        str(len(result.probe.data["conversations"]["edges"])),
        str(len(result.probe.statements)),
        us(result.timing.mean_us),
        noise(result.timing.spread),
        f"{result.timing.per_second:,.0f}",
        ratio(ratio_to_baseline(results, placed.spec.name)),
        placed.spec.baseline or "-",
    ]


async def run(bench: Bench) -> tuple[list[str], list[Explained]]:
    """Prints table 2; returns its checks and the deep pages' statements for their plans."""
    placed = await _placed(bench)
    results = await run_table(bench, [item.spec for item in placed])
    total = bench.data.conversations
    bench.report.heading(f"2. Keyset pagination: first vs deep pages of {total:,}")
    bench.report.table(HEADERS, [_line(results, item) for item in placed])
    worst = max(ratio_to_baseline(results, name) for name in DEEP)
    checks = [f"{'ok  ' if worst < 1.3 else 'WARN'} deep keyset page / first page: {worst:.2f}×"]
    short = [
        name
        for name, result in results.items()
        if len(result.probe.data["conversations"]["edges"]) != PAGE
    ]
    checks += [f"FAIL {name}: not a full page of {PAGE}" for name in short]
    plans = []
    for item in placed:
        statement = results[item.spec.name].probe.statement("FROM conversation c")
        if item.position > 0 and statement is not None:
            plans.append(Explained(item.spec.name, statement))
    return checks, plans
