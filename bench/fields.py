"""Table 1b: what each nested field adds to a page of 100, one relation at a time.

Separates the relations of table 1's nested page, so a field that costs far more than its share
of resolved fields stands out, and says whether the cost is the SQL or the resolving.
"""

from bench.client import Request
from bench.explain import Explained
from bench.pages import PLAIN, page_query
from bench.report import noise, ratio, us
from bench.runner import Bench, Result, Spec, ratio_to_baseline, run_table

SIZE = 100
BASELINE = f"plain N={SIZE}"
RELATIONS = {
    "+ assistant { name }": "assistant { name }",
    "+ variables { name value }": "variables { name value }",
    "+ usageByModel { model usage { cost } }": "usageByModel { model usage { cost } }",
    "+ messages(first: 5) { … content }": "messages(first: 5) { edges { node { content } } }",
    "+ visitor { sessionId locale }": "visitor { sessionId locale }",
}
"""The four loader-backed relations, and `visitor` as a nested object built without a loader."""


def _specs() -> list[Spec]:
    specs = [Spec(BASELINE, Request.of(page_query(PLAIN), {"first": SIZE}))]
    for name, fields in RELATIONS.items():
        request = Request.of(page_query(f"{PLAIN} {fields}"), {"first": SIZE})
        specs.append(Spec(name, request, baseline=BASELINE))
    return specs


def _line(results: dict[str, Result], spec: Spec) -> list[str]:
    result, base = results[spec.name], results[BASELINE]
    added_us = (result.timing.mean_us - base.timing.mean_us) / SIZE
    added_fields = (result.probe.fields - base.probe.fields) / SIZE
    return [
        spec.name,
        str(len(result.probe.statements)),
        f"{added_fields:g}" if spec.baseline else "-",
        us(result.timing.mean_us),
        noise(result.timing.spread),
        us(added_us) if spec.baseline else "-",
        us(added_us / added_fields) if added_fields else "-",
        ratio(ratio_to_baseline(results, spec.name)),
    ]


async def run(bench: Bench) -> tuple[list[str], list[Explained]]:
    """Prints table 1b; its statements are those of table 1, explained there."""
    specs = _specs()
    results = await run_table(bench, specs)
    bench.report.heading(f"1b. What each nested field adds to a page of {SIZE}")
    bench.report.table(
        ["case", "stmts", "fields/row", "µs/req", "±", "µs/row", "µs/field", "ratio"],
        [_line(results, spec) for spec in specs],
    )
    bench.report.line(f"µs/row and µs/field: added to `{BASELINE}` per row and per added field")
    return [], []
