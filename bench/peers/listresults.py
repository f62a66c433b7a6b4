"""The report's section on the dashboard's own List (issue 18): each size at each concurrency,
Parley's requests/s against PostGraphile's and its p50 against the hand-written endpoint's, the
issue's targets marked, beside what the issue measured before."""

from bench.peers import dashboard
from bench.peers.dataset import MEASURED, SMALL
from bench.peers.measure import CONCURRENCY, Results
from bench.peers.scenarios import Scenario
from bench.peers.servers import HAND, ONE, PEER, TWO
from bench.peers.tables import ratio, table, times

SIZES = (("List 10k", SMALL.conversations), ("List 100k", MEASURED.conversations))
RPS_VS_PEER = 1.0
"""Issue 18: requests/s ≥ PostGraphile's, at both sizes and both concurrencies."""
P50_VS_HAND = 1.0
"""Issue 18: p50 ≤ the hand-written endpoint's for the same rows."""
BEFORE = {("List 10k", 1): 0.30, ("List 100k", 32): 0.74, ("List 100k", 1): 1.24}
"""Parley ÷ PostGraphile requests/s as issue 18 measured them before the work (one process)."""

HEADERS = [
    "conversations",
    "connections",
    f"{ONE} req/s (p50 ms)",
    f"{TWO} req/s (p50 ms)",
    f"{HAND} req/s (p50 ms)",
    f"{PEER} req/s (p50 ms)",
    "1w ÷ PostGraphile rps",
    "2w ÷ PostGraphile rps",
    "1w p50 ÷ hand-written p50",
    "2w p50 ÷ hand-written p50",
    "issue #18 measured (÷ PostGraphile rps)",
]


def _cell(timed: Results, name: str, contender: str, concurrency: int) -> str:
    median = timed.median(name, contender, concurrency)
    return "–" if median is None else f"{median.rps:,.0f} ({median.p50_ms:.2f})"


def rows(timed: Results, scenarios: list[Scenario]) -> list[list[str]]:
    names = {scenario.name for scenario in scenarios}
    found = []
    for name, conversations in SIZES:
        if name not in names:
            continue
        for concurrency in CONCURRENCY:
            median = {who: timed.median(name, who, concurrency) for who in (ONE, TWO, HAND, PEER)}
            rps = {who: None if m is None else m.rps for who, m in median.items()}
            p50 = {who: None if m is None else m.p50_ms for who, m in median.items()}
            before = BEFORE.get((name, concurrency))
            found.append(
                [
                    f"{conversations:,}",
                    str(concurrency),
                    *[_cell(timed, name, who, concurrency) for who in (ONE, TWO, HAND, PEER)],
                    *[times(ratio(rps[who], rps[PEER]), RPS_VS_PEER) for who in (ONE, TWO)],
                    *[
                        times(ratio(p50[who], p50[HAND]), P50_VS_HAND, higher=False)
                        for who in (ONE, TWO)
                    ],
                    "–" if before is None else f"{before:.2f}×",
                ]
            )
    return found


def section(timed: Results, scenarios: list[Scenario]) -> list[str]:
    found = rows(timed, scenarios)
    if not found:
        return []
    return [
        "## The dashboard's own List (issue #18)",
        "",
        "The `List` document of server/static/dashboard/queries.js with its `Row` fragment, read "
        "from that file by the run and sent with the variables the page sends for a first page "
        "of one type (`{filter: {types: [WEB_WIDGET]}, after: null, first: "
        f"{dashboard.page_size()}}}`). Labels are on "
        "one conversation in five (two on one in fifteen), ratings on one in ten. Medians over "
        "the rounds; ✓/✗ against the issue's targets: requests/s ≥ PostGraphile's, p50 ≤ the "
        "hand-written endpoint's, at each size and each concurrency.",
        "",
        *table(HEADERS, found),
        "",
        "PostGraphile answers the same page, labels and ratings, with the workspace's `event_seq` "
        "(what `eventCursor` stands for) read in the same request; the hand-written endpoint "
        "answers Parley's exact JSON in two statements (event number and total, then the page "
        "with labels). Both are checked against Parley before timing. Like PostGraphile, the "
        "hand-written endpoint counts with `COUNT(*)` over an index where Parley sums its kept "
        "counts: that count grows with the workspace and is most of its time at 100k, so there "
        "the p50 target compares Parley with a floor that keeps no counts.",
        "",
    ]
