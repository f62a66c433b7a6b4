"""Table 1: a page of conversations with plain fields vs with every nested relation.

Plain fields come from the row itself; the nested ones go through per-request DataLoaders, so the
statement count must not grow with the page size, and the extra time should be per field, not
per statement. `{ __typename }` shows what the framework costs before any field runs.
"""

from bench.client import Request
from bench.explain import Explained
from bench.report import noise, ratio, us
from bench.runner import Bench, Result, Spec, ratio_to_baseline, run_table

PLAIN = (
    "id type status startedAt lastActivityAt messageCount usage { inputTokens outputTokens cost }"
)
NESTED = (
    f"{PLAIN} assistant {{ name }} variables {{ name value }} "
    "usageByModel { model usage { cost } } messages(first: 5) { edges { node { content } } }"
)
SIZES = (1, 20, 100)
TYPENAME = "{ __typename }"
KEYED = "{ __typename } with key"
HEADERS = ("case", "stmts", "fields", "µs/req", "±", "req/s", "µs/row", "µs/field†", "ratio", "vs")


def page_query(fields: str) -> str:
    return (
        "query Page($first: Int!) { conversations(first: $first) "
        f"{{ edges {{ node {{ {fields} }} }} }} }}"
    )


def _specs() -> list[Spec]:
    specs = [
        Spec(KEYED, Request.of(TYPENAME)),  # without a key the edge refuses it (401)
    ]
    for size in SIZES:
        plain, nested = f"plain N={size}", f"nested N={size}"
        specs.append(Spec(plain, Request.of(page_query(PLAIN), {"first": size}), baseline=KEYED))
        specs.append(Spec(nested, Request.of(page_query(NESTED), {"first": size}), baseline=plain))
    return specs


def _rows(result: Result) -> int | None:
    data = result.probe.data.get("conversations")
    return len(data["edges"]) if data is not None else None


def _line(results: dict[str, Result], name: str) -> list[str]:
    result, keyed = results[name], results[KEYED].timing.mean_us
    timing, rows, fields = result.timing, _rows(result), result.probe.fields
    above = (timing.mean_us - keyed) / fields if rows else None
    return [
        name,
        str(len(result.probe.statements)),
        str(fields),
        us(timing.mean_us),
        noise(timing.spread),
        f"{timing.per_second:,.0f}",
        us(timing.mean_us / rows) if rows else "-",
        us(above) if above is not None else "-",
        ratio(ratio_to_baseline(results, name)),
        result.spec.baseline or "-",
    ]


def _statement_counts(results: dict[str, Result], kind: str) -> list[int]:
    return [len(results[f"{kind} N={size}"].probe.statements) for size in SIZES]


def _marginal(results: dict[str, Result], kind: str) -> float:
    """µs each extra row adds, from the two largest pages: framework cost without the fixed part."""
    small, large = SIZES[-2], SIZES[-1]
    small_us = results[f"{kind} N={small}"].timing.mean_us
    large_us = results[f"{kind} N={large}"].timing.mean_us
    return (large_us - small_us) / (large - small)


def _notes(bench: Bench, results: dict[str, Result]) -> list[str]:
    report, checks = bench.report, []
    for kind in ("plain", "nested"):
        counts = _statement_counts(results, kind)
        flat = len(set(counts)) == 1
        shown = "/".join(map(str, counts))
        report.line(f"statements per request, {kind} N={'/'.join(map(str, SIZES))}: {shown}")
        checks.append(f"{'ok  ' if flat else 'FAIL'} {kind} pages: statements flat in N ({shown})")
    plain, nested = _marginal(results, "plain"), _marginal(results, "nested")
    report.line(
        f"marginal cost per row (N={SIZES[-2]}→{SIZES[-1]}): plain {us(plain)} µs, "
        f"nested {us(nested)} µs ({nested / plain:.1f}×)"
    )
    report.line(f"statements of nested N={SIZES[-1]}:")
    for number, statement in enumerate(results[f"nested N={SIZES[-1]}"].probe.statements, 1):
        report.line(f"  {number}. {' '.join(statement.sql.split())[:110]}")
    return checks


async def run(bench: Bench) -> tuple[list[str], list[Explained]]:
    """Prints table 1; returns its checks and the statements whose plans are worth reading."""
    specs = _specs()
    results = await run_table(bench, specs)
    bench.report.heading("1. Pages of conversations: plain fields vs nested relations")
    bench.report.table(HEADERS, [_line(results, spec.name) for spec in specs])
    bench.report.line(
        f"† time above `{KEYED}`, divided by resolved fields (keys in the answer); SQL included"
    )
    checks = _notes(bench, results)
    nested = results[f"nested N={SIZES[-1]}"].probe.statements
    plans = [
        Explained(f"nested N={SIZES[-1]} #{number}", sql) for number, sql in enumerate(nested, 1)
    ]
    return checks, plans
