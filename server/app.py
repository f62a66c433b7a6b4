"""The Starlette application: one GraphQL endpoint, `/graphql`, the operators' endpoints, the edge
that guards them, and a lifespan that owns the database and the live parts."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from tortoise.contrib.starlette import RegisterTortoise

from models.config import tortoise_config
from resolvers.apikey import add_revocation_listener
from resolvers.callers.cache import CallerCache
from resolvers.limits.ratelimits import RateLimits
from resolvers.sweeper import sweep_forever
from schema.schema import ParleySchema, build_schema
from server import graphiql, home, operations, pages
from server.database import replica_reads
from server.edge.authentication import RequestConnection
from server.edge.body import BodyLimit
from server.edge.cors import CORS
from server.edge.deadline import RequestDeadline
from server.edge.gate import AuthGate
from server.engine.worker import Engine
from server.export import EXPORT_PATH, Export
from server.garbage import settle
from server.http import GraphQLView
from server.logs import RequestLog
from server.operations import LiveCollector
from server.settings import Settings
from server.sockets import OpenSockets
from server.webhooks.worker import WebhookWorker
from subscriptions.live import Live


def _start_workers(
    settings: Settings, schema: ParleySchema, live: Live
) -> Callable[[], Awaitable[None]]:
    """The process's background work, as its settings ask: the sweeper, the webhook worker and
    the built-in engine; returns what stops them."""
    sweeper = None
    if settings.bounds.sweep_interval_seconds > 0:
        sweeper = asyncio.create_task(sweep_forever(settings.bounds), name="sweeper")
    webhooks = None
    if settings.webhooks.enabled:
        webhooks = WebhookWorker(schema, settings.webhooks, live)
        webhooks.start()
    engine = None
    if settings.engine.enabled:
        engine = Engine(settings.engine, settings.bounds, live, settings.webhooks)
        engine.start()

    async def stop() -> None:
        if engine is not None:
            await engine.stop()
        if webhooks is not None:
            await webhooks.stop()
        if sweeper is not None:
            sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await sweeper

    return stop


GRAPHQL_PATH = "/graphql"


class ParleyApp(Starlette):
    """Starlette, but a websocket of the GraphQL endpoint goes straight to `sockets` (the view
    behind the request log and the request connection, the middleware that acts on sockets).

    Every middleware and router layer it would pass through stays suspended for as long as the
    socket is open, one coroutine frame each: ten of them held about 5 KB per idle socket
    (bench/live). The others act on HTTP only (CORS, the deadline, the body limit, the key gate)
    or on nothing a socket can meet (error pages, routing one path). A socket whose path is
    spelled otherwise (under a root path) still reaches the view through the router."""

    sockets: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == GRAPHQL_PATH:
            scope["app"] = self  # as Starlette sets it: the view reads the app's state
            await self.sockets(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    schema = build_schema(
        settings.documents.limits, compiled_plans=settings.documents.compiled_plans
    )
    ide = graphiql.served(settings)
    view = GraphQLView(
        schema,
        graphql_ide="graphiql" if ide else None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=timedelta(seconds=settings.websockets.init_timeout_seconds),
        max_subscriptions_per_connection=settings.edge_limits.subscriptions_per_socket or None,
    )
    view.ping_interval = settings.websockets.ping_interval_seconds
    view.pong_timeout = settings.websockets.pong_timeout_seconds

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        logging.getLogger("parley").setLevel(settings.logs.level)
        settings.database.make_folder()
        config = tortoise_config(settings.database.url, settings.database.statement_timeout_ms)
        async with RegisterTortoise(app, config=config), replica_reads(app, settings.database):
            live = Live(settings.database.url, settings.live)
            await live.start()
            app.state.live = live
            app.state.rate_limits = RateLimits.open(
                settings.bounds, settings.edge_limits, settings.redis.url, settings.redis.prefix
            )
            # Revocations, this process's and (through the broker) others', empty the caller
            # cache and close the key's sockets at once.
            unlisten = [add_revocation_listener(app.state.callers.revoked)]
            unlisten.append(add_revocation_listener(app.state.sockets.revoked))
            collector = LiveCollector(live, app.state.sockets)
            REGISTRY.register(collector)
            stop_workers = _start_workers(settings, schema, live)
            settle()  # after startup: see server/garbage.py
            try:
                yield
            finally:
                await stop_workers()
                REGISTRY.unregister(collector)
                for stop in unlisten:
                    stop()
                await live.stop()
                await app.state.rate_limits.close()

    app = ParleyApp(
        routes=[
            Route(GRAPHQL_PATH, view),  # the view answers other methods with a JSON 405
            WebSocketRoute(GRAPHQL_PATH, view),  # the long way (under a root path, say)
            Route(EXPORT_PATH, Export(schema, settings)),
            *operations.routes(),
            *pages.routes(),
            *(graphiql.routes() if ide else []),
            *home.routes(graphiql=ide),
        ],
        middleware=[
            Middleware(RequestLog),  # a request id for everything below, and the access line
            Middleware(RequestConnection),  # authentication knows whom it serves (limits)
            Middleware(CORS),  # preflights answered here; every answer below carries CORS headers
            # Outermost first: the deadline covers everything; bodies are bounded before any
            # handler sees them.
            Middleware(
                RequestDeadline,
                seconds=settings.http.request_timeout_seconds,
                streams=frozenset({EXPORT_PATH}),
            ),
            Middleware(
                BodyLimit,
                max_bytes=settings.http.max_body_bytes,
                deadline_seconds=settings.http.body_timeout_seconds,
            ),
            Middleware(AuthGate, paths=frozenset({GRAPHQL_PATH, EXPORT_PATH}), ide=ide),
        ],
        lifespan=lifespan,
    )
    app.sockets = RequestLog(RequestConnection(view))
    app.state.settings = settings
    app.state.callers = CallerCache(settings.http.auth_cache_seconds)
    app.state.sockets = OpenSockets()
    app.state.replica = None
    app.state.graphql_view = view
    return app
