"""Table 3: the badge count and the first page under each filter, against no filter.

The list and the count share one filter translation, so each filter must be served by an index
for both; the plans of the statements sent are printed in section 4.
"""

from typing import Any

from bench.client import Request
from bench.explain import Explained
from bench.pages import PLAIN
from bench.report import noise, ratio, us
from bench.runner import Bench, Result, Spec, ratio_to_baseline, run_table
from bench.seed import PLAN_VALUE, RARE_EMAIL, RARE_WORD, SEARCH_WORD

COUNT = "query Count($filter: ConversationFilter) { conversationCount(filter: $filter) }"
LIST = (
    "query List($filter: ConversationFilter) { conversations(first: 20, filter: $filter) "
    f"{{ edges {{ node {{ {PLAIN} }} }} }} }}"
)
MARKER = "FROM conversation c"


def _filters(bench: Bench) -> dict[str, dict[str, Any] | None]:
    return {
        "none": None,
        f"search {SEARCH_WORD!r}": {"search": SEARCH_WORD},
        f"search {RARE_WORD!r}": {"search": RARE_WORD},
        f"variable plan={PLAN_VALUE}": {"variables": [{"name": "plan", "equals": PLAN_VALUE}]},
        f"variable email={RARE_EMAIL}": {"variables": [{"name": "email", "equals": RARE_EMAIL}]},
        f"minCost {bench.data.min_cost}": {"minCost": str(bench.data.min_cost)},
    }


def _index(bench: Bench, name: str) -> str | None:
    """The index that makes a filter cheap, which its plan must use."""
    if "search" in name:
        return "message_content_fts" if bench.dialect == "postgres" else "message_fts"
    return "variable_name_value" if "variable" in name else None


def _specs(bench: Bench) -> list[Spec]:
    specs = []
    for kind, query in (("count", COUNT), ("list", LIST)):
        for label, where in _filters(bench).items():
            baseline = None if label == "none" else f"{kind}: none"
            specs.append(Spec(f"{kind}: {label}", Request.of(query, {"filter": where}), baseline))
    return specs


def _answer(result: Result) -> str:
    data = result.probe.data
    if "conversationCount" in data:
        return f"{data['conversationCount']:,} match"
    return f"{len(data['conversations']['edges'])} rows"


def _line(results: dict[str, Result], spec: Spec) -> list[str]:
    result = results[spec.name]
    return [
        spec.name,
        _answer(result),
        str(len(result.probe.statements)),
        us(result.timing.mean_us),
        noise(result.timing.spread),
        f"{result.timing.per_second:,.0f}",
        ratio(ratio_to_baseline(results, spec.name)),
        spec.baseline or "-",
    ]


async def run(bench: Bench) -> tuple[list[str], list[Explained]]:
    """Prints table 3; returns its checks and every filtered statement for its plan."""
    specs = _specs(bench)
    results = await run_table(bench, specs)
    bench.report.heading(
        f"3. Filters on {bench.data.conversations:,} conversations: count and first page"
    )
    bench.report.table(
        ["case", "answer", "stmts", "µs/req", "±", "req/s", "ratio", "vs"],
        [_line(results, spec) for spec in specs],
    )
    empty = [spec.name for spec in specs if _answer(results[spec.name]).startswith("0 ")]
    checks = [f"WARN {name}: matched nothing, so it measures nothing" for name in empty]
    plans = []
    for spec in specs:
        statement = results[spec.name].probe.statement(MARKER)
        if statement is not None:
            plans.append(Explained(spec.name, statement, _index(bench, spec.name)))
    return checks, plans
