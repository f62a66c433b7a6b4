"""The webhook queue in the database, shared by the delivery workers of every server process.

- `derive`: each ENABLED endpoint's events after its cursor become deliveries, and the cursor
  moves, in one transaction (PostgreSQL: the endpoint row locked `FOR UPDATE SKIP LOCKED`, so two
  workers derive different endpoints and never the same event twice). A crash before the commit
  leaves the cursor where it was: nothing is lost, and `ON CONFLICT DO NOTHING` makes the redo
  harmless.
- `claim`: due deliveries are leased (`leased_until`) by one UPDATE whose WHERE re-checks the
  lease, so a delivery is sent by one worker at a time; only the earliest pending delivery of a
  conversation for an endpoint is due (in order per conversation), and an endpoint with
  `concurrency` requests in flight gets no more. A worker killed mid-send leaves its lease to
  run out, and the delivery is sent again with the same `webhook-id`.
- `settle`: an attempt's outcome, its log row, the delivery's next retry (exponential backoff with
  jitter, `Retry-After` honoured) or its end, and the endpoint's health: an endpoint failing for
  the whole retry window is disabled, and the workspace's other endpoints that asked for it are
  sent ENDPOINT_DISABLED.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from models.enums import (
    WEBHOOK_EVENT_OF_KIND,
    DeliveryState,
    EndpointState,
    WebhookEvent,
)
from resolvers.database.sql import Params, dialect, fetch
from resolvers.events.log import change
from resolvers.ids import encode_id
from resolvers.webhook import WebhookSettings, aware, matching, queue

DERIVE_ENDPOINTS = 20
"""Endpoints one derive pass takes."""
DERIVE_EVENTS = 500
"""Events one endpoint derives a pass."""
LEASE_MARGIN_SECONDS = 5.0
"""A lease covers building the body and the request (each bounded by the timeout) and this
margin for recording the outcome; a worker that has not settled by then is taken for dead."""


def webhook_id(delivery_id: int) -> str:
    """The `webhook-id` of a delivery: the same for every attempt and every replay of it."""
    return "msg_" + encode_id("WebhookDelivery", delivery_id)


@dataclass(frozen=True)
class Claimed:
    """A leased delivery, with what sending it needs."""

    id: int
    endpoint_id: int
    workspace_id: int
    event_seq: int | None
    conversation_id: int
    message_id: int | None
    kind: WebhookEvent
    event_at: datetime
    attempts: int
    notice: dict[str, Any] | None
    url: str
    follow_redirects: bool
    secrets: tuple[str, ...]
    """The current secret, and the previous one while a rotation's overlap lasts."""

    @property
    def webhook_id(self) -> str:
        return webhook_id(self.id)


@dataclass(frozen=True)
class Outcome:
    status: int | None
    """The HTTP status answered; None when no answer came."""
    latency_ms: int
    error: str | None = None
    retry_after_seconds: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Timeouts, connection failures, 5xx, 408 and 429 are tried again; another 4xx (or a
        redirect not followed) is the receiver's final word on this delivery."""
        return self.status is None or self.status >= 500 or self.status in (408, 429)


async def derive() -> int:
    """One pass: deliveries for up to DERIVE_ENDPOINTS endpoints behind their workspace's log;
    returns how many events were considered (0: nothing was behind)."""
    considered = 0
    now = datetime.now(UTC)
    async with change() as connection:
        params = Params(dialect())
        lock = " FOR UPDATE OF e SKIP LOCKED" if dialect() == "postgres" else ""
        endpoints = await fetch(
            "SELECT e.id FROM webhook_endpoint e JOIN workspace w ON w.id = e.workspace_id "
            f"WHERE e.state = {params.add(EndpointState.ENABLED)} AND e.cursor < w.event_seq "
            f"ORDER BY e.id LIMIT {params.add(DERIVE_ENDPOINTS)}{lock}",
            params,
            using=connection,
        )
        for row in endpoints:
            endpoint = await WebhookEndpoint.filter(id=row["id"]).using_db(connection).get()
            params = Params(dialect())
            events = await fetch(
                "SELECT seq, conversation_id, kind, message_id, created_at "
                f"FROM conversation_event WHERE workspace_id = {params.add(endpoint.workspace_id)} "
                f"AND seq > {params.add(endpoint.cursor)} ORDER BY seq "
                f"LIMIT {params.add(DERIVE_EVENTS)}",
                params,
                using=connection,
            )
            if not events:
                continue
            considered += len(events)
            wanted = [
                event
                for event in events
                if (sent := WEBHOOK_EVENT_OF_KIND.get(event["kind"])) is not None
                and sent.value in endpoint.events
            ]
            wanted = await matching(endpoint, wanted, connection)
            if wanted:
                await queue(endpoint, wanted, now, connection)
            await (
                WebhookEndpoint.filter(id=endpoint.id)
                .using_db(connection)
                .update(cursor=int(events[-1]["seq"]))
            )
    return considered


async def claim(settings: WebhookSettings, limit: int) -> list[Claimed]:
    """Leases up to `limit` due deliveries (see the module's docstring) and returns them."""
    now = datetime.now(UTC)
    lease = now + timedelta(seconds=settings.timeout_seconds * 2 + LEASE_MARGIN_SECONDS)
    params = Params(dialect())
    # Only heads are read (one per conversation with something pending), so a failing
    # endpoint's long backlog costs nothing here. SQLite's placeholders are positional: every
    # use of a value binds it again.
    sql = (
        f"UPDATE webhook_delivery SET leased_until = {params.add(lease)}, "
        f"attempts = attempts + 1, last_attempt_at = {params.add(now)} "
        "WHERE id IN (SELECT id FROM ("
        "SELECT d.id, d.next_attempt_at, row_number() OVER ("
        "PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS place, "
        "COALESCE(f.flying, 0) AS flying "
        "FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id "
        "LEFT JOIN (SELECT endpoint_id, count(*) AS flying FROM webhook_delivery "
        f"WHERE head = {params.add(True)} AND state = {params.add(DeliveryState.PENDING)} "
        f"AND leased_until > {params.add(now)} GROUP BY endpoint_id) f "
        "ON f.endpoint_id = d.endpoint_id "
        f"WHERE d.head = {params.add(True)} AND d.state = {params.add(DeliveryState.PENDING)} "
        f"AND d.next_attempt_at <= {params.add(now)} "
        f"AND e.state = {params.add(EndpointState.ENABLED)} "
        f"AND (d.leased_until IS NULL OR d.leased_until <= {params.add(now)})"
        f") due WHERE place + flying <= {params.add(settings.concurrency)} "
        f"ORDER BY next_attempt_at LIMIT {params.add(limit)}) "
        f"AND state = {params.add(DeliveryState.PENDING)} "
        f"AND (leased_until IS NULL OR leased_until <= {params.add(now)}) "
        "RETURNING id"
    )
    async with change() as connection:
        leased = [int(row["id"]) for row in await fetch(sql, params, using=connection)]
    if not leased:
        return []
    deliveries = await WebhookDelivery.filter(id__in=leased).order_by("id")
    endpoints = {
        endpoint.id: endpoint
        for endpoint in await WebhookEndpoint.filter(
            id__in={delivery.endpoint_id for delivery in deliveries}
        )
    }
    return [
        Claimed(
            id=delivery.id,
            endpoint_id=delivery.endpoint_id,
            workspace_id=delivery.workspace_id,
            event_seq=delivery.event_seq,
            conversation_id=delivery.conversation_id,
            message_id=delivery.message_id,
            kind=delivery.kind,
            event_at=delivery.event_at,
            attempts=delivery.attempts,
            notice=delivery.notice,
            url=endpoint.url,
            follow_redirects=endpoint.follow_redirects,
            secrets=_secrets(endpoint, now),
        )
        for delivery in deliveries
        if (endpoint := endpoints.get(delivery.endpoint_id)) is not None
    ]


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and aware(until) > now:
        return endpoint.secret, endpoint.previous_secret
    return (endpoint.secret,)


def backoff(settings: WebhookSettings, attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next try: doubling from `first_retry_seconds` up to
    `max_retry_seconds`, each drawn from its upper half ("equal jitter"), so receivers that came
    back are not hit by every sender at once."""
    doubled = settings.first_retry_seconds * float(2 ** min(max(attempts - 1, 0), 40))
    ceiling = min(settings.max_retry_seconds, doubled)
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter


@dataclass(frozen=True)
class Settled:
    state: DeliveryState
    endpoint_disabled: bool = False
    """This failure disabled the endpoint (it had failed for the whole retry window)."""


async def settle(settings: WebhookSettings, delivery: Claimed, outcome: Outcome) -> Settled:
    """Records the attempt and decides what comes next."""
    now = datetime.now(UTC)
    window = timedelta(seconds=settings.retry_window_seconds)
    async with change() as connection:
        # The endpoint's row first, as deleting it (and its cascade) and deriving lock them.
        endpoint = (
            await WebhookEndpoint.filter(id=delivery.endpoint_id)
            .using_db(connection)
            .select_for_update()
            .first()
        )
        row = (
            await WebhookDelivery.filter(id=delivery.id)
            .using_db(connection)
            .select_for_update()
            .first()
        )
        if endpoint is None or row is None:  # deleted, or its conversation erased, meanwhile
            return Settled(DeliveryState.FAILED)
        await WebhookAttempt.create(
            delivery_id=row.id,
            at=now,
            status=outcome.status,
            error=outcome.error,
            latency_ms=outcome.latency_ms,
            using_db=connection,
        )
        row.last_status, row.last_error = outcome.status, outcome.error
        row.last_latency_ms, row.last_attempt_at, row.leased_until = outcome.latency_ms, now, None
        if outcome.delivered:
            row.state, row.delivered_at, row.first_failed_at = DeliveryState.DELIVERED, now, None
        else:
            first = aware(row.first_failed_at) if row.first_failed_at else now
            row.first_failed_at = first
            if not outcome.retryable or now - first >= window:
                row.state = DeliveryState.FAILED
            else:
                wait = backoff(settings, row.attempts)
                if outcome.retry_after_seconds is not None:
                    # Honoured, within the retry window (a receiver cannot park it for a year).
                    asked = min(outcome.retry_after_seconds, settings.retry_window_seconds)
                    wait = max(wait, asked)
                row.next_attempt_at = now + timedelta(seconds=wait)
        if row.state is not DeliveryState.PENDING:
            row.head = False
        await row.save(using_db=connection)
        if row.state is not DeliveryState.PENDING and row.event_seq is not None:
            await _next_head(row, connection)
        disabled = await _endpoint_health(settings, endpoint, outcome, now, connection)
    return Settled(row.state, disabled)


async def _next_head(settled: WebhookDelivery, connection: Any) -> None:
    """The conversation's next pending delivery for the endpoint may go now."""
    params = Params(dialect())
    sql = (
        f"UPDATE webhook_delivery SET head = {params.add(True)} WHERE id = (SELECT id "
        f"FROM webhook_delivery WHERE endpoint_id = {params.add(settled.endpoint_id)} "
        f"AND conversation_id = {params.add(settled.conversation_id)} "
        f"AND state = {params.add(DeliveryState.PENDING)} ORDER BY event_seq LIMIT 1)"
    )
    await fetch(sql, params, using=connection)


async def _endpoint_health(
    settings: WebhookSettings,
    endpoint: WebhookEndpoint,
    outcome: Outcome,
    now: datetime,
    connection: Any,
) -> bool:
    """Whether the endpoint was disabled now."""
    if outcome.delivered:
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            await endpoint.save(using_db=connection, update_fields=["failing_since"])
        return False
    since = aware(endpoint.failing_since) if endpoint.failing_since else now
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        await endpoint.save(using_db=connection, update_fields=["failing_since"])
    if endpoint.state is not EndpointState.ENABLED or now - since < timedelta(
        seconds=settings.retry_window_seconds
    ):
        return False
    endpoint.state = EndpointState.FAILING
    endpoint.disabled_reason = (
        f"Every attempt failed from {since.isoformat()} to {now.isoformat()} "
        f"(last: {outcome.error or outcome.status})."
    )[:500]
    endpoint.updated_at = now
    await endpoint.save(using_db=connection)
    await _tell_workspace(endpoint, now, connection)
    return True


async def _tell_workspace(disabled: WebhookEndpoint, now: datetime, connection: Any) -> None:
    """An ENDPOINT_DISABLED delivery to each of the workspace's other enabled endpoints that
    asked for that event type."""
    others = await WebhookEndpoint.filter(
        workspace_id=disabled.workspace_id, state=EndpointState.ENABLED
    ).using_db(connection)
    notice = {
        "endpointId": encode_id("WebhookEndpoint", disabled.id),
        "url": disabled.url,
        "reason": disabled.disabled_reason,
    }
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(
                endpoint_id=other.id,
                workspace_id=other.workspace_id,
                event_seq=None,
                conversation_id=0,
                kind=WebhookEvent.ENDPOINT_DISABLED,
                notice=notice,
                head=True,  # a notice waits for nothing
                event_at=now,
                next_attempt_at=now,
                created_at=now,
            )
            for other in others
            if other.id != disabled.id and WebhookEvent.ENDPOINT_DISABLED.value in other.events
        ],
        using_db=connection,
    )


DELIVERY_LOG_DAYS = 30
"""How long a delivered or failed delivery stays in the log (redeliverWebhooks re-derives older
ones from the event log)."""
FORGET_BATCH = 10_000


async def forget_old_deliveries(now: datetime | None = None) -> int:
    """Deletes up to FORGET_BATCH settled deliveries older than DELIVERY_LOG_DAYS (with their
    attempts); the sweeper calls it every round, so a backlog goes in bounded statements."""
    before = (now or datetime.now(UTC)) - timedelta(days=DELIVERY_LOG_DAYS)
    params = Params(dialect())
    sql = (
        "DELETE FROM webhook_delivery WHERE id IN (SELECT id FROM webhook_delivery "
        f"WHERE state != {params.add(DeliveryState.PENDING)} AND created_at < {params.add(before)} "
        f"LIMIT {params.add(FORGET_BATCH)}) RETURNING id"
    )
    async with change() as connection:
        return len(await fetch(sql, params, using=connection))
