"""Settings from the environment, read once by whoever starts the service (never at import time).

Every variable is named here in full, next to its default and what it means, one function per
concern; docs/configuration.md is written from these very calls (`python -m server.settings_doc`),
so the page cannot drift, and renaming a field of a settings object never renames a variable.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from resolvers.limits.bounds import Bounds
from resolvers.limits.ratelimits import EdgeLimits
from resolvers.webhook import WebhookSettings
from schema.policy.documents import DocumentLimits
from server.engine.settings import EngineSettings
from server.environment import Environment, Variable
from server.settings_concerns import (
    PROJECT_ROOT,
    DatabaseSettings,
    DocumentSettings,
    HttpSettings,
    LogSettings,
    RedisSettings,
    WebsocketSettings,
)
from subscriptions.live import LiveSettings

__all__ = ["CONCERNS", "PROJECT_ROOT", "Settings"]


@dataclass(frozen=True)
class Settings:
    """Everything a process is configured with: one object per concern, each written by that
    concern's reader below and handed as it is to the part that enforces it."""

    # Database and logs
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    logs: LogSettings = field(default_factory=LogSettings)
    # HTTP requests
    http: HttpSettings = field(default_factory=HttpSettings)
    # GraphQL documents
    documents: DocumentSettings = field(default_factory=DocumentSettings)
    # Rate limits and socket caps
    edge_limits: EdgeLimits = field(default_factory=EdgeLimits)
    redis: RedisSettings = field(default_factory=RedisSettings)
    # Records, sessions and the sweeper
    bounds: Bounds = field(default_factory=Bounds)
    # Websockets and live updates
    websockets: WebsocketSettings = field(default_factory=WebsocketSettings)
    live: LiveSettings = field(default_factory=LiveSettings)
    # Webhooks
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    # The built-in engine
    engine: EngineSettings = field(default_factory=EngineSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        return cls.read(Environment(os.environ if env is None else env))

    @classmethod
    def read(cls, read: Environment) -> "Settings":
        """The settings `read` finds, concern by concern; every variable read is a row of the
        configuration page, under its concern, in this order."""
        settings = cls()
        for concern in CONCERNS:
            settings = concern(read, settings)
        return settings

    @classmethod
    def variables(cls) -> list[Variable]:
        """Every variable `from_env` reads, with its default, meaning and concern, in order."""
        read = Environment({})
        cls.read(read)
        return read.read


def _database_and_logs(read: Environment, settings: Settings) -> Settings:
    read.concern = "Database and logs"
    database, logs = settings.database, settings.logs
    return replace(
        settings,
        database=DatabaseSettings(
            url=read.text(
                "DATABASE_URL",
                database.url,
                "Tortoise database URL: `sqlite://PATH` or `postgres://user:pass@host:port/db`",
            ),
            statement_timeout_ms=read.integer(
                "PARLEY_STATEMENT_TIMEOUT_MS",
                database.statement_timeout_ms,
                "PostgreSQL `statement_timeout` of the server's connections (`TIMEOUT`); "
                "migrations have none",
            ),
            read_url=read.optional(
                "PARLEY_READ_DATABASE_URL",
                "a streaming replica (`postgres://…`) for lists, counts, summaries and exports, "
                "with read-your-writes per caller (docs/replicas.md); unset: all on the primary",
            ),
            read_max_lag_seconds=read.number(
                "PARLEY_READ_MAX_LAG_SECONDS",
                database.read_max_lag_seconds,
                "a replica further behind the primary than this serves no read (the primary does)",
            ),
            read_probe_seconds=read.number(
                "PARLEY_READ_PROBE_SECONDS",
                database.read_probe_seconds,
                "how often each process looks at the replica's position, and at a replica that "
                "went away; a caller's reads this soon after its write go to the primary",
            ),
        ),
        logs=LogSettings(
            level=read.text("PARLEY_LOG_LEVEL", logs.level, "log level"),
            format=read.choice(
                "PARLEY_LOG_FORMAT",
                ("text", "json"),
                logs.format,
                "`text`, or `json`: one object a line with the request id",
            ),
        ),
    )


def _http(read: Environment, settings: Settings) -> Settings:
    read.concern = "HTTP requests"
    http = settings.http
    return replace(
        settings,
        http=HttpSettings(
            max_body_bytes=read.integer(
                "PARLEY_MAX_BODY_BYTES", http.max_body_bytes, "largest request body (413)"
            ),
            body_timeout_seconds=read.integer(
                "PARLEY_BODY_TIMEOUT_SECONDS",
                http.body_timeout_seconds,
                "time for a request body to arrive (408)",
            ),
            request_timeout_seconds=read.integer(
                "PARLEY_REQUEST_TIMEOUT_SECONDS",
                http.request_timeout_seconds,
                "time for a whole request (504 `TIMEOUT`)",
            ),
            cors_origins=read.origins(
                "PARLEY_CORS_ORIGINS",
                "comma-separated origins whose pages may use secret keys; empty: any",
            ),
            trusted_proxies=read.text(
                "PARLEY_TRUSTED_PROXIES",
                http.trusted_proxies,
                "comma-separated addresses or CIDRs whose `X-Forwarded-For` names the client; "
                "empty: none",
            ),
            auth_cache_seconds=read.integer(
                "PARLEY_AUTH_CACHE_SECONDS",
                http.auth_cache_seconds,
                "how long a process remembers an authenticated token; revocations empty it at once",
            ),
            graphiql=read.flag(
                "PARLEY_GRAPHIQL",
                http.graphiql,
                "serve GraphiQL to browsers at `/graphql` (never when introspection is `none`)",
            ),
        ),
    )


def _documents(read: Environment, settings: Settings) -> Settings:
    read.concern = "GraphQL documents"
    documents = settings.documents
    limits = documents.limits
    return replace(
        settings,
        documents=DocumentSettings(
            limits=DocumentLimits(
                introspection=read.introspection(
                    "PARLEY_INTROSPECTION",
                    limits.introspection,
                    "who may introspect: `secret` keys, `all`, `none`",
                ),
                max_tokens=read.integer(
                    "PARLEY_MAX_TOKENS", limits.max_tokens, "lexical tokens in one document"
                ),
                max_depth=read.integer(
                    "PARLEY_MAX_QUERY_DEPTH",
                    limits.max_depth,
                    "deepest selection over fragment expansion (introspection has its own cap "
                    "of 20)",
                ),
                max_aliases=read.integer(
                    "PARLEY_MAX_ALIASES", limits.max_aliases, "aliases over fragment expansion"
                ),
                max_fields=read.integer(
                    "PARLEY_MAX_QUERY_FIELDS",
                    limits.max_fields,
                    "field selections over fragment expansion",
                ),
                max_cost=read.integer(
                    "PARLEY_MAX_QUERY_COST",
                    limits.max_cost,
                    "static cost budget of one document (see the public edge's document limits)",
                ),
                cache_bytes=read.integer(
                    "PARLEY_DOCUMENT_CACHE_BYTES",
                    limits.cache_bytes,
                    "memory the cached valid documents may hold, per process (persisted queries "
                    "are among them); `0` keeps none",
                ),
            ),
            compiled_plans=read.flag(
                "PARLEY_COMPILED_PLANS",
                documents.compiled_plans,
                "answer the queries a compiled plan covers from one statement each; `false`: "
                "the executor answers every query",
            ),
        ),
    )


def _rate_limits(read: Environment, settings: Settings) -> Settings:
    read.concern = "Rate limits and socket caps"
    defaults = settings.edge_limits
    limits = EdgeLimits(
        points_per_minute=read.integer(
            "PARLEY_POINTS_PER_MINUTE",
            defaults.points_per_minute,
            "cost points one secret key may spend per minute",
        ),
        failed_auth_per_minute=read.integer(
            "PARLEY_FAILED_AUTH_PER_MINUTE",
            defaults.failed_auth_per_minute,
            "bad tokens one client address may present per minute",
        ),
        ws_connections_per_key=read.integer(
            "PARLEY_WS_CONNECTIONS_PER_KEY",
            defaults.ws_connections_per_key,
            "open websockets per key or session token, across all servers (4429)",
        ),
        ws_connections_per_address=read.integer(
            "PARLEY_WS_CONNECTIONS_PER_ADDRESS",
            defaults.ws_connections_per_address,
            "open websockets per client address, across all servers (4429)",
        ),
        subscriptions_per_socket=read.integer(
            "PARLEY_SUBSCRIPTIONS_PER_SOCKET",
            defaults.subscriptions_per_socket,
            "running subscriptions on one websocket",
        ),
        rate_counter_sweep_seconds=read.integer(
            "PARLEY_RATE_COUNTER_SWEEP_SECONDS",
            defaults.rate_counter_sweep_seconds,
            "how often expired rate counters are deleted from the database; `0`: never",
        ),
    )
    return replace(
        settings,
        edge_limits=limits,
        redis=RedisSettings(
            url=read.optional(
                "PARLEY_REDIS_URL", "keep rate-limit counters in this Redis instead of the database"
            ),
            prefix=read.text(
                "PARLEY_REDIS_PREFIX", settings.redis.prefix, "prefix of those counters' keys"
            ),
        ),
    )


def _records(read: Environment, settings: Settings) -> Settings:
    read.concern = "Records, sessions and the sweeper"
    defaults = settings.bounds
    bounds = Bounds(
        max_message_length=read.integer(
            "PARLEY_MAX_MESSAGE_LENGTH", defaults.max_message_length, "characters in one message"
        ),
        max_variables_per_conversation=read.integer(
            "PARLEY_MAX_VARIABLES_PER_CONVERSATION",
            defaults.max_variables_per_conversation,
            "variables of both sources in one conversation (and extracted definitions per "
            "assistant)",
        ),
        max_variable_length=read.integer(
            "PARLEY_MAX_VARIABLE_LENGTH",
            defaults.max_variable_length,
            "characters of a variable's value as JSON",
        ),
        max_form_fields=read.integer(
            "PARLEY_MAX_FORM_FIELDS",
            defaults.max_form_fields,
            "fields in an assistant's pre-chat form",
        ),
        session_ttl_seconds=read.integer(
            "PARLEY_SESSION_TTL_SECONDS",
            defaults.session_ttl_seconds,
            "lifetime of a widget's session token",
        ),
        idle_timeout_seconds=read.integer(
            "PARLEY_IDLE_TIMEOUT_SECONDS",
            defaults.idle_timeout_seconds,
            "idle time after which a conversation is ended",
        ),
        reply_timeout_seconds=read.integer(
            "PARLEY_REPLY_TIMEOUT_SECONDS",
            defaults.reply_timeout_seconds,
            "time without text after which a streamed reply is abandoned (INCOMPLETE)",
        ),
        sweep_interval_seconds=read.integer(
            "PARLEY_SWEEP_INTERVAL_SECONDS",
            defaults.sweep_interval_seconds,
            "how often each process ends idle conversations and erases those past their "
            "retention; `0` turns the sweeper off",
        ),
        widget_starts_per_minute=read.integer(
            "PARLEY_WIDGET_STARTS_PER_MINUTE",
            defaults.widget_starts_per_minute,
            "conversations one widget key may start per client address per minute, across all "
            "servers",
        ),
        widget_messages_per_minute=read.integer(
            "PARLEY_WIDGET_MESSAGES_PER_MINUTE",
            defaults.widget_messages_per_minute,
            "messages one session token may send per minute, across all servers",
        ),
    )
    return replace(settings, bounds=bounds)


def _websockets(read: Environment, settings: Settings) -> Settings:
    read.concern = "Websockets and live updates"
    websockets, live = settings.websockets, settings.live
    return replace(
        settings,
        websockets=WebsocketSettings(
            init_timeout_seconds=read.integer(
                "PARLEY_WS_INIT_TIMEOUT_SECONDS",
                websockets.init_timeout_seconds,
                "time to send `connection_init` before the socket is closed with 4408",
            ),
            ping_interval_seconds=read.integer(
                "PARLEY_WS_PING_INTERVAL_SECONDS",
                websockets.ping_interval_seconds,
                "silence after which the server pings a socket",
            ),
            pong_timeout_seconds=read.integer(
                "PARLEY_WS_PONG_TIMEOUT_SECONDS",
                websockets.pong_timeout_seconds,
                "time to answer a ping before the socket is closed with 4504",
            ),
        ),
        live=LiveSettings(
            count_interval_seconds=read.integer(
                "PARLEY_LIVE_COUNT_INTERVAL_MS",
                round(live.count_interval_seconds * 1000),
                "at most one recount per (workspace, filter) per this interval; changes "
                "within it are coalesced",
            )
            / 1000,
            listener_bound=read.integer(
                "PARLEY_SUBSCRIPTION_BUFFER",
                live.listener_bound,
                "events a subscriber may leave unread before it is closed with 4499",
            ),
            event_bus=read.optional(
                "PARLEY_EVENT_BUS",
                "a NATS server (`nats://host:4222`, JetStream enabled) that carries event "
                "numbers between processes instead of PostgreSQL's NOTIFY; PostgreSQL only",
            ),
            event_bus_stream=read.text(
                "PARLEY_EVENT_BUS_STREAM",
                live.event_bus_stream,
                "the JetStream stream (and subject prefix) of those numbers: one per deployment",
            ),
        ),
    )


def _webhooks(read: Environment, settings: Settings) -> Settings:
    read.concern = "Webhooks"
    defaults = settings.webhooks
    webhooks = WebhookSettings(
        enabled=read.flag(
            "PARLEY_WEBHOOKS",
            defaults.enabled,
            "run a webhook delivery worker in this process (every process may: they share "
            "the queue)",
        ),
        allow_private=read.flag(
            "PARLEY_WEBHOOK_ALLOW_PRIVATE",
            defaults.allow_private,
            "let webhooks reach loopback, private, link-local and metadata addresses (tests, "
            "private networks)",
        ),
        timeout_seconds=read.number(
            "PARLEY_WEBHOOK_TIMEOUT_SECONDS",
            defaults.timeout_seconds,
            "one webhook request's whole budget: connecting, sending, reading the answer",
        ),
        retry_window_seconds=read.integer(
            "PARLEY_WEBHOOK_RETRY_WINDOW_SECONDS",
            defaults.retry_window_seconds,
            "how long a delivery is retried, and an endpoint may fail before it is disabled",
        ),
        first_retry_seconds=read.number(
            "PARLEY_WEBHOOK_FIRST_RETRY_SECONDS",
            defaults.first_retry_seconds,
            "the first retry's delay; each next one doubles (with jitter)",
        ),
        max_retry_seconds=read.number(
            "PARLEY_WEBHOOK_MAX_RETRY_SECONDS",
            defaults.max_retry_seconds,
            "the longest delay between retries (a longer `Retry-After` is honoured, within "
            "the window)",
        ),
        concurrency=max(
            1,
            read.integer(
                "PARLEY_WEBHOOK_CONCURRENCY",
                defaults.concurrency,
                "requests in flight to one endpoint, across processes (at least 1)",
            ),
        ),
        poll_seconds=read.number(
            "PARLEY_WEBHOOK_POLL_SECONDS",
            defaults.poll_seconds,
            "how often a worker looks for retries that came due (events wake it at once)",
        ),
    )
    return replace(settings, webhooks=webhooks)


def _engine(read: Environment, settings: Settings) -> Settings:
    read.concern = "The built-in engine"
    defaults = settings.engine
    engine = EngineSettings(
        enabled=read.flag(
            "PARLEY_ENGINE",
            defaults.enabled,
            "answer the conversations of assistants given a model, in this process (every "
            "process may: each turn is claimed once); `parley engine` runs it apart",
        ),
        base_url=read.optional(
            "OPENAI_BASE_URL",
            "the Chat Completions endpoint's base URL: OpenAI's when unset, or a local "
            "Ollama's or vLLM's, e.g. http://127.0.0.1:11434/v1",
        ),
        api_key=read.optional(
            "OPENAI_API_KEY", "the provider's key (a local server may need none)"
        ),
        concurrency=read.integer(
            "PARLEY_ENGINE_CONCURRENCY", defaults.concurrency, "turns one process answers at once"
        ),
        retries=read.integer(
            "PARLEY_ENGINE_RETRIES",
            defaults.retries,
            "retries, with backoff and `retry-after` honoured, of a request the provider "
            "refused for now (429, 5xx, timeouts); then the turn fails visibly",
        ),
        stall_seconds=read.number(
            "PARLEY_ENGINE_STALL_SECONDS",
            defaults.stall_seconds,
            "a provider's stream that sends nothing for this long has failed",
        ),
        context_tokens=read.integer(
            "PARLEY_ENGINE_CONTEXT_TOKENS",
            defaults.context_tokens,
            "the history sent with a turn, in estimated tokens (newest first)",
        ),
        demo_model=read.text(
            "PARLEY_DEMO_MODEL",
            defaults.demo_model,
            "the model `make run` (`parley seed-demo`) gives the demo assistant when "
            "OPENAI_BASE_URL or OPENAI_API_KEY is set",
        ),
        lease_seconds=read.integer(
            "PARLEY_ENGINE_LEASE_SECONDS",
            defaults.lease_seconds,
            "a turn whose process stopped renewing it for this long is failed, never "
            "answered twice",
        ),
    )
    return replace(settings, engine=engine)


CONCERNS: tuple[Callable[[Environment, Settings], Settings], ...] = (
    _database_and_logs,
    _http,
    _documents,
    _rate_limits,
    _records,
    _websockets,
    _webhooks,
    _engine,
)
"""The configuration page's sections, in its order."""
