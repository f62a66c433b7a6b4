"""The webhook delivery worker: one in every server process, all sharing the queue in the
database (resolvers/webhookqueue.py), started and stopped by the app's lifespan.

A pass derives deliveries from the event log, leases what is due and sends each lease in its own
task (at most MAX_IN_FLIGHT a process; the queue bounds each endpoint across processes). Passes
run when an event is announced (this process's commits and, on PostgreSQL, other processes'
notices), when a send finishes (the conversation's next delivery may now go), and every
`poll_seconds` for retries that came due. A stopped worker abandons its leases: they run out,
and another process sends those deliveries again with the same `webhook-id`.
"""

import asyncio
import logging
from contextlib import suppress
from datetime import UTC, datetime

from strawberry import Schema

from models.enums import DeliveryState
from resolvers.errors import database_failure
from resolvers.webhook import WebhookSettings
from resolvers.webhookqueue import Claimed, Outcome, claim, derive, settle
from schema.policy.metrics import (
    WEBHOOK_ATTEMPTS,
    WEBHOOK_DERIVED,
    WEBHOOK_ENDPOINTS_DISABLED,
    WEBHOOK_IN_FLIGHT,
    WEBHOOK_LATENCY,
)
from server.webhooks.bodies import body_of, signature_headers
from server.webhooks.outbound import Outbound
from subscriptions.live import Live

logger = logging.getLogger("parley.webhooks")

MAX_IN_FLIGHT = 64
"""Requests one process has in flight at once, over all endpoints."""
DERIVE_PASSES = 20
"""Derive passes a round runs before it sends (a long backlog is derived across rounds)."""
FAILURE_PAUSE_SECONDS = 2.0
"""How long the worker waits after a round failed (the database away, say)."""


class WebhookWorker:
    def __init__(self, schema: Schema, settings: WebhookSettings, live: Live):
        self.schema = schema
        self.settings = settings
        self.live = live
        self.outbound = Outbound(settings)
        self._wake = asyncio.Event()
        self._sending: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._unlisten = live.feed.add_notice_listener(self.poke)

    def poke(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="webhooks")

    async def stop(self) -> None:
        """Claims nothing more, lets requests in flight finish (each is bounded by the
        timeout), then abandons what is left: those leases run out and are sent again."""
        self._unlisten()
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        if self._sending:
            await asyncio.wait(set(self._sending), timeout=self.settings.timeout_seconds + 1)
        for task in list(self._sending):
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await self.outbound.close()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.round()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if database_failure(error) is None:
                    logger.exception("webhook round failed")
                else:
                    logger.warning("webhook round: database unavailable (%s)", type(error).__name__)
                await asyncio.sleep(FAILURE_PAUSE_SECONDS)
            with suppress(TimeoutError):
                async with asyncio.timeout(self.settings.poll_seconds):
                    await self._wake.wait()

    async def round(self) -> None:
        """Derives what the event log holds, then leases and starts sending what is due."""
        for _ in range(DERIVE_PASSES):
            considered = await derive()
            WEBHOOK_DERIVED.inc(considered)
            if not considered:
                break
        free = MAX_IN_FLIGHT - len(self._sending)
        if free <= 0:
            return
        for delivery in await claim(self.settings, free):
            task = asyncio.create_task(self._send(delivery), name="webhook-send")
            self._sending.add(task)
            task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        self.poke()

    async def _send(self, delivery: Claimed) -> None:
        WEBHOOK_IN_FLIGHT.inc()
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):  # within the lease
                body = await body_of(self.schema, delivery)
            headers = signature_headers(delivery, body, datetime.now(UTC))
            answer = await self.outbound.post(
                delivery.url, body, headers, delivery.follow_redirects
            )
            WEBHOOK_LATENCY.observe(answer.latency_ms / 1000)
            outcome = Outcome(
                answer.status, answer.latency_ms, answer.error, answer.retry_after_seconds
            )
            settled = await settle(self.settings, delivery, outcome)
            if outcome.delivered:
                WEBHOOK_ATTEMPTS.labels("delivered").inc()
            elif settled.state is DeliveryState.PENDING:
                WEBHOOK_ATTEMPTS.labels("retry").inc()
            else:
                WEBHOOK_ATTEMPTS.labels("failed").inc()
            if settled.endpoint_disabled:
                WEBHOOK_ENDPOINTS_DISABLED.inc()
                logger.warning(
                    "webhook endpoint %d disabled: it failed for the whole retry window",
                    delivery.endpoint_id,
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            # The lease runs out and the delivery is tried again; nothing of it is lost.
            logger.exception("webhook delivery %d could not be sent", delivery.id)
        finally:
            WEBHOOK_IN_FLIGHT.dec()
