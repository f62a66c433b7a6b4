"""Endpoints for operators: `/healthz` (the process answers), `/readyz` (it can serve: database
reachable, migrations current, live listener connected) and `/metrics` (Prometheus text)."""

import asyncio
import logging
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from models.migrations import __path__ as migration_folders
from resolvers.database.replica import Replica
from resolvers.database.sql import db
from server.sockets import OpenSockets
from subscriptions.broker import PostgresBroker
from subscriptions.live import Live

logger = logging.getLogger("parley.operations")
CHECK_SECONDS = 2.0
"""How long a readiness check may wait on the database."""


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _migration_names() -> set[str]:
    return {
        path.stem
        for folder in migration_folders
        for path in Path(folder).glob("[0-9][0-9][0-9][0-9]_*.py")
    }


async def _database_checks() -> dict[str, bool]:
    _, rows = await db().execute_query("SELECT name FROM tortoise_migrations WHERE app = 'models'")
    applied = {row["name"] for row in rows}
    return {"database": True, "migrations": _migration_names() <= applied}


async def readyz(request: Request) -> Response:
    live: Live = request.app.state.live
    checks = {"database": False, "migrations": False}
    try:
        checks = await asyncio.wait_for(_database_checks(), CHECK_SECONDS)
    except Exception as error:  # a check that fails is an answer, not a crash
        logger.warning("readiness: database check failed: %s", type(error).__name__)
    if isinstance(live.broker, PostgresBroker):
        checks["listener"] = live.broker.connected.is_set()
    ready = all(checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


class LiveCollector(Collector):
    """Values read at scrape time from the running app's live parts."""

    def __init__(self, live: Live, sockets: OpenSockets) -> None:
        self.live = live
        self.sockets = sockets

    def collect(self) -> list[CounterMetricFamily | GaugeMetricFamily]:
        sockets = GaugeMetricFamily("parley_open_sockets", "Websockets open now.")
        sockets.add_metric([], len(self.sockets))
        reconnects = CounterMetricFamily(
            "parley_listener_reconnects", "Times the LISTEN connection was made again."
        )
        broker = self.live.broker
        made = broker.connections if isinstance(broker, PostgresBroker) else 0
        reconnects.add_metric([], max(made - 1, 0))
        found: list[CounterMetricFamily | GaugeMetricFamily] = [sockets, reconnects]
        bus = self.live.bus
        if bus is not None:
            connected = GaugeMetricFamily(
                "parley_event_bus_connected", "1 while the event bus (NATS) is connected."
            )
            connected.add_metric([], 1.0 if bus.connected.is_set() else 0.0)
            published = CounterMetricFamily(
                "parley_event_bus_notices", "Notices of event numbers the bus acknowledged."
            )
            published.add_metric([], bus.published)
            found += [connected, published]
        return found


class ReplicaCollector(Collector):
    """The read replica's routed reads and state, read at scrape time (docs/replicas.md)."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica

    def collect(self) -> list[CounterMetricFamily | GaugeMetricFamily]:
        reads = CounterMetricFamily(
            "parley_replica_reads",
            "Routed reads (lists, counts, summaries, exports) by where they were served "
            "(replica, primary) and why: fresh (the replica had what the caller must see), "
            "own_write (the caller wrote after the replica's known position), lagging (behind "
            "by more than PARLEY_READ_MAX_LAG_SECONDS), down, failed (it failed the read).",
            labels=["served", "reason"],
        )
        for (served, reason), n in sorted(self.replica.reads.items()):
            reads.add_metric([served, reason], n)
        up = GaugeMetricFamily("parley_replica_up", "1 while the read replica answers probes.")
        up.add_metric([], 1 if self.replica.up else 0)
        lag = GaugeMetricFamily(
            "parley_replica_lag_seconds",
            "How long ago the replica was last known to hold every commit (probe granularity).",
        )
        lag.add_metric([], min(self.replica.lag_seconds, 1e9))
        return [reads, up, lag]


async def metrics(_request: Request) -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
