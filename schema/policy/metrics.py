"""What Parley counts for `/metrics` (Prometheus): one definition of each metric, here, where both
the schema and the server can reach it.

Values are this process's: with several workers each answers for itself (label your scrape
targets per worker, or put them behind one exporter).
"""

import time
from collections.abc import Callable, Iterator

from prometheus_client import Counter, Gauge, Histogram
from strawberry.extensions import SchemaExtension

REQUESTS = Counter(
    "parley_requests",
    "GraphQL operations by operation name and outcome (ok, or the first error code).",
    ["operation", "outcome"],
)
LATENCY = Histogram(
    "parley_request_seconds",
    "Time to answer a GraphQL operation, by operation name and outcome.",
    ["operation", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)
ERRORS = Counter("parley_errors", "GraphQL errors answered, by extensions.code.", ["code"])
REFUSED = Counter(
    "parley_refused", "Requests and operations refused by a limit, by limit.", ["limit"]
)
STATEMENT_TIMEOUTS = Counter(
    "parley_statement_timeouts", "Database statements cancelled by statement_timeout."
)
PLANS = Counter(
    "parley_compiled_plans",
    "Queries by how they were answered: by a compiled plan (answered), by the executor because "
    "no plan covers them (not_covered), because the plan gave way to the executor's own error "
    "(gave_way), or because the plan failed unexpectedly (failed: a bug, logged at ERROR).",
    ["outcome"],
)
SUBSCRIPTIONS = Gauge("parley_subscriptions", "Subscriptions running now.")
EVENTS_DELIVERED = Counter(
    "parley_events_delivered", "Subscription events sent to clients, by subscription.", ["field"]
)
DIRECT_FRAMES = Counter(
    "parley_direct_frames",
    "Subscription frames written straight to their socket, nothing left to execute "
    "(schema/frames.py), by subscription.",
    ["field"],
)
WEBHOOK_ATTEMPTS = Counter(
    "parley_webhook_attempts",
    "Webhook requests sent, by what came of them: delivered, retry (to be tried again), failed "
    "(given up on).",
    ["outcome"],
)
WEBHOOK_LATENCY = Histogram(
    "parley_webhook_attempt_seconds",
    "Time from sending a webhook to its answer (or to giving up on one).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
WEBHOOK_DERIVED = Counter(
    "parley_webhook_events_derived", "Events the webhook workers read from the event log."
)
WEBHOOK_IN_FLIGHT = Gauge("parley_webhook_in_flight", "Webhook requests in flight now.")
WEBHOOK_ENDPOINTS_DISABLED = Counter(
    "parley_webhook_endpoints_disabled",
    "Webhook endpoints disabled for failing through the whole retry window.",
)

ANONYMOUS = "anonymous"
"""The operation label of a document whose operation has no name."""
MAX_OPERATION_LABEL = 64
"""Longer operation names are cut: a label is a time series, and clients choose the names."""


def operation_label(name: str | None) -> str:
    if not name:
        return ANONYMOUS
    return name[:MAX_OPERATION_LABEL]


class Measured(SchemaExtension):
    """Counts and times every operation, by its name and how it ended."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        result = context.result
        errors = (result.errors if result is not None else None) or []
        outcome = "ok"
        if errors:
            outcome = str((errors[0].extensions or {}).get("code") or "INTERNAL_SERVER_ERROR")
        label = operation_label(context.operation_name)
        REQUESTS.labels(label, outcome).inc()
        LATENCY.labels(label, outcome).observe(time.perf_counter() - started)


class subscription_running:  # noqa: N801 (used as a function: `with subscription_running(…)`)
    """Counts a subscription as running for the block; call what it gives once per event sent.

    A slotted object, not a generator-based context manager: a subscription holds it while it
    waits, and thousands wait at once (a generator's frame is several times its size)."""

    __slots__ = ("_delivered",)

    def __init__(self, field: str) -> None:
        self._delivered = EVENTS_DELIVERED.labels(field)

    def __enter__(self) -> Callable[[], None]:
        SUBSCRIPTIONS.inc()
        return self._delivered.inc

    def __exit__(self, *_exc: object) -> None:
        SUBSCRIPTIONS.dec()
