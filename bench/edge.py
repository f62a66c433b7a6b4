"""Table 4: what the public edge costs a normal request: one list page through the app with every
limit on (the defaults) and with every limit off, interleaved round by round in one run.

Tortoise is initialised once per process, by the started app's lifespan, so the contenders are
apps built by `create_app` beside it that adopt its live feed, open sockets and caller cache (a
remembered key is not a limit) instead of running a lifespan; each has rate limits of its own
settings. Same database, key, query and answer: only the limits differ. A third app with no edge
middleware but the authentication gate shows what the edge's plumbing costs with nothing to
check."""

import statistics
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, fields, replace
from functools import partial
from math import ceil, floor, sqrt

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from bench.client import GraphQLClient, Request
from bench.explain import Explained
from bench.report import noise, ratio, us
from bench.runner import Bench
from bench.timing import Budget, Case, measure
from resolvers.limits.ratelimits import EdgeLimits, RateLimits
from schema.policy.introspection import Introspection
from server.app import create_app
from server.edge.gate import AuthGate
from server.settings import Settings

TARGET = 1.05
PAGE = 20
QUERY = (
    "query Page($first: Int!) { conversations(first: $first) { totalCount edges { node { "
    "id type status startedAt lastActivityAt messageCount assistant { name } } } } }"
)
MAXED = 2**31 - 1
"""Document limits have no `0 = off`: maxed, they never refuse (the cost is still computed)."""
ON, OFF, BARE = "limits on (defaults)", "limits off", "no edge middleware"
BUDGET = Budget(rounds=200, slice_seconds=0.03, warmup=20)
"""The same in quick and full runs (~20 s): the target leaves 5%, and single requests here vary
by ±40%, more when other processes share the machine; many short rounds give a median to trust."""


HTTP_LIMITS = ("max_body_bytes", "body_timeout_seconds", "request_timeout_seconds")
DOCUMENT_LIMITS = (
    "max_tokens",
    "max_depth",
    "max_aliases",
    "max_fields",
    "max_cost",
    "introspection",
)
"""With `edge_limits` (and the widget limits in `bounds`), the settings of the edge's limits."""


def limits_on(settings: Settings) -> Settings:
    """`settings` with every limit of the edge at its default, but a points budget this run
    cannot spend (pages are costed, ~40 points each: the default 100,000 a minute would refuse
    within seconds); the budget is still spent from, so its cost is measured."""
    defaults = Settings()
    return replace(
        settings,
        http=replace(settings.http, **{name: getattr(defaults.http, name) for name in HTTP_LIMITS}),
        documents=replace(
            settings.documents,
            limits=replace(
                settings.documents.limits,
                **{name: getattr(defaults.documents.limits, name) for name in DOCUMENT_LIMITS},
            ),
        ),
        edge_limits=replace(defaults.edge_limits, points_per_minute=MAXED),
        bounds=replace(
            settings.bounds,
            widget_starts_per_minute=defaults.bounds.widget_starts_per_minute,
            widget_messages_per_minute=defaults.bounds.widget_messages_per_minute,
        ),
    )


def limits_off(settings: Settings) -> Settings:
    """`settings` with every limit of the edge off or out of reach; nothing else changed."""
    return replace(
        settings,
        # moot: both share the started app's connections (see table)
        database=replace(settings.database, statement_timeout_ms=0),
        http=replace(
            settings.http, max_body_bytes=0, body_timeout_seconds=0, request_timeout_seconds=0
        ),
        documents=replace(
            settings.documents,
            limits=replace(
                settings.documents.limits,
                max_tokens=MAXED,
                max_depth=MAXED,
                max_aliases=MAXED,
                max_fields=MAXED,
                max_cost=MAXED,
                introspection=Introspection.ALL,
            ),
        ),
        edge_limits=EdgeLimits(**{item.name: 0 for item in fields(EdgeLimits)}),
        bounds=replace(settings.bounds, widget_starts_per_minute=0, widget_messages_per_minute=0),
    )


def _adopt(app: Starlette, started: Starlette, rate_limits: RateLimits) -> None:
    app.state.live = started.state.live
    app.state.sockets = started.state.sockets
    app.state.callers = started.state.callers
    app.state.rate_limits = rate_limits


@asynccontextmanager
async def beside(started: Starlette, settings: Settings) -> AsyncIterator[Starlette]:
    """An app of `settings` over the started app's database and live parts."""
    app = create_app(settings)
    rate_limits = RateLimits.open(
        settings.bounds, settings.edge_limits, settings.redis.url, settings.redis.prefix
    )
    _adopt(app, started, rate_limits)
    try:
        yield app
    finally:
        await rate_limits.close()


def without_middleware(app: Starlette) -> Starlette:
    """`app`'s GraphQL view and state behind the authentication gate alone (the view no longer
    authenticates HTTP requests itself), under `app`'s rate limits."""
    bare = Starlette(
        routes=[Route("/graphql", app.state.graphql_view, methods=["GET", "POST"])],
        middleware=[Middleware(AuthGate, paths=frozenset({"/graphql"}), ide=False)],
    )
    bare.state.settings = app.state.settings
    bare.state.graphql_view = app.state.graphql_view
    _adopt(bare, app, app.state.rate_limits)
    return bare


@dataclass(frozen=True)
class Paired:
    """The median of the per-round ratios and its ~95% interval. Rounds are paired (the
    contenders run back to back in each), and a median is not dragged by the rounds that another
    process slowed."""

    median: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.median:.3f}× ({self.low:.3f}–{self.high:.3f})"


def paired(numerator: tuple[float, ...], denominator: tuple[float, ...]) -> Paired:
    ratios = sorted(a / b for a, b in zip(numerator, denominator, strict=True))
    count = len(ratios)
    half = 1.96 * sqrt(count) / 2  # order statistics around the median
    low = max(0, floor(count / 2 - half))
    high = min(count - 1, ceil(count / 2 + half))
    return Paired(statistics.median(ratios), ratios[low], ratios[high])


async def run(bench: Bench) -> tuple[list[str], list[Explained]]:
    """Prints table 5; returns its check line."""
    started = bench.client.app
    assert isinstance(started, Starlette)
    request = Request.of(QUERY, {"first": PAGE})
    async with AsyncExitStack() as stack:
        settings = started.state.settings
        on = await stack.enter_async_context(beside(started, limits_on(settings)))
        off = await stack.enter_async_context(beside(started, limits_off(settings)))
        clients = {
            ON: GraphQLClient(on, bench.data.key),
            OFF: GraphQLClient(off, bench.data.key),
            BARE: GraphQLClient(without_middleware(off), bench.data.key),
        }
        answers = {name: await client.data(request) for name, client in clients.items()}
        if len({repr(answer) for answer in answers.values()}) != 1:
            raise RuntimeError(f"the edge's contenders answer differently: {answers}")
        budget = BUDGET
        cases = [Case(name, partial(client.send, request)) for name, client in clients.items()]
        timings = await measure(cases, budget)
    rows = []
    for name in clients:
        timing = timings[name]
        rows.append(
            [
                name,
                us(timing.mean_us),
                noise(timing.spread),
                f"{timing.per_second:,.0f}",
                f"{timing.mean_us - timings[OFF].mean_us:+,.0f}",
                ratio(timing.mean_us / timings[OFF].mean_us),
                str(paired(timing.rounds, timings[OFF].rounds)),
            ]
        )
    report = bench.report
    report.heading(f"4. The public edge on a list page of {PAGE}: every limit on vs off")
    report.line(
        f"conversations(first: {PAGE}) {{ totalCount, 6 plain fields, assistant {{ name }} }}, "
        f"secret key; {budget.rounds} rounds of ~{budget.slice_seconds * 1000:.0f} ms per case"
    )
    report.table(
        ["case", "µs/req", "±", "req/s", "µs vs off", "ratio", "median of round ratios (95%)"], rows
    )
    report.line(
        "off: body size and time, request deadline 0; document limits maxed; introspection all; "
        "rate limits 0"
    )
    report.line(
        "both: one caller cache and database pool (statement_timeout is set once per connection, "
        "by the started app)"
    )
    edge = paired(timings[ON].rounds, timings[OFF].rounds)
    mean = timings[ON].mean_us / timings[OFF].mean_us
    report.line(
        "ratio: of the means; the median of the rounds' own ratios resists rounds that other "
        "processes slowed, and is what the check reads"
    )
    verdict = "ok  " if edge.median <= TARGET else "WARN"
    line = f"edge cost on a list page: {edge} (target ≤ {TARGET}; ratio of means {mean:.3f}×)"
    return [f"{verdict} {line}"], []
