"""Settings from the environment, read once by whoever starts the service (never at import time).

Each variable is read together with its default and what it means, and docs/configuration.md is
written from those very calls (`python -m server.settings_doc`), so the page cannot drift.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar

from models.config import dialect_of
from resolvers.forms import normalise_origins
from resolvers.limits.bounds import Bounds
from resolvers.limits.ratelimits import Limits
from resolvers.webhook import WebhookSettings
from schema.policy.documents import QueryLimits
from schema.policy.introspection import Introspection
from subscriptions.live import LiveSettings

T = TypeVar("T", int, float)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "var" / "parley.sqlite3"

MEANINGS = {
    "PARLEY_MAX_MESSAGE_LENGTH": "characters in one message",
    "PARLEY_MAX_VARIABLES_PER_CONVERSATION": "variables of both sources in one conversation "
    "(and extracted definitions per assistant)",
    "PARLEY_MAX_VARIABLE_LENGTH": "characters of a variable's value as JSON",
    "PARLEY_MAX_FORM_FIELDS": "fields in an assistant's pre-chat form",
    "PARLEY_SESSION_TTL_SECONDS": "lifetime of a widget's session token",
    "PARLEY_IDLE_TIMEOUT_SECONDS": "idle time after which a conversation is ended",
    "PARLEY_SWEEP_INTERVAL_SECONDS": "how often each process ends idle conversations and erases "
    "those past their retention; `0` turns the sweeper off",
    "PARLEY_WIDGET_STARTS_PER_MINUTE": "conversations one widget key may start per client "
    "address per minute, across all servers",
    "PARLEY_WIDGET_MESSAGES_PER_MINUTE": "messages one session token may send per minute, "
    "across all servers",
    "PARLEY_POINTS_PER_MINUTE": "cost points one secret key may spend per minute",
    "PARLEY_FAILED_AUTH_PER_MINUTE": "bad tokens one client address may present per minute",
    "PARLEY_WS_CONNECTIONS_PER_KEY": "open websockets per key or session token, across all "
    "servers (4429)",
    "PARLEY_WS_CONNECTIONS_PER_ADDRESS": "open websockets per client address, across all "
    "servers (4429)",
    "PARLEY_SUBSCRIPTIONS_PER_SOCKET": "running subscriptions on one websocket",
    "PARLEY_RATE_COUNTER_SWEEP_SECONDS": "how often expired rate counters are deleted from the "
    "database; `0`: never",
}
"""What each variable named after a field of Bounds or Limits means (those are read by field)."""


def _number(env: Mapping[str, str], name: str, default: T, kind: Callable[[str], T]) -> T:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, not {raw!r}") from None


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or default).lower()
    if raw not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _origins(env: Mapping[str, str], name: str) -> frozenset[str]:
    """Comma-separated origins, normalised as browsers send them in `Origin`."""
    found: set[str] = set()
    for item in (env.get(name) or "").split(","):
        if not item.strip():
            continue
        problems, origins = normalise_origins([item])
        if problems:
            raise ValueError(f"{name}: {item.strip()!r} is not an origin like https://shop.example")
        found.update(origins)
    return frozenset(found)


def _introspection(env: Mapping[str, str], name: str, default: Introspection) -> Introspection:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return Introspection(raw.lower())
    except ValueError:
        choices = "|".join(Introspection)
        raise ValueError(f"{name} must be one of {choices}, not {raw!r}") from None


@dataclass(frozen=True)
class Variable:
    """One environment variable as the configuration page lists it."""

    name: str
    default: object
    meaning: str


class Environment:
    """Reads each variable with its default and meaning, and notes it in `read` (in order)."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.read: list[Variable] = []

    def _note(self, name: str, default: object, meaning: str) -> None:
        self.read.append(Variable(name, default, meaning))

    def text(self, name: str, default: str, meaning: str) -> str:
        self._note(name, default, meaning)
        return self.env.get(name) or default

    def optional(self, name: str, meaning: str) -> str | None:
        self._note(name, None, meaning)
        return self.env.get(name) or None

    def integer(self, name: str, default: int, meaning: str) -> int:
        self._note(name, default, meaning)
        return _number(self.env, name, default, int)

    def number(self, name: str, default: float, meaning: str) -> float:
        self._note(name, default, meaning)
        return _number(self.env, name, default, float)

    def flag(self, name: str, default: bool, meaning: str) -> bool:
        self._note(name, default, meaning)
        return _bool(self.env, name, default)

    def choice(self, name: str, choices: tuple[str, ...], default: str, meaning: str) -> str:
        self._note(name, default, meaning)
        return _choice(self.env, name, choices, default)

    def origins(self, name: str, meaning: str) -> frozenset[str]:
        self._note(name, frozenset[str](), meaning)
        return _origins(self.env, name)

    def introspection(self, name: str, default: Introspection, meaning: str) -> Introspection:
        self._note(name, default, meaning)
        return _introspection(self.env, name, default)

    def by_field(self, cls: type[Bounds] | type[Limits]) -> dict[str, int]:
        """A Bounds' or Limits' whole-number fields, each from `PARLEY_<FIELD NAME>`."""
        found = {}
        for item in fields(cls):
            if isinstance(item.default, int):
                name = f"PARLEY_{item.name.upper()}"
                found[item.name] = self.integer(name, item.default, MEANINGS.get(name, ""))
        return found


def _webhooks(read: Environment) -> WebhookSettings:
    defaults = WebhookSettings()
    return WebhookSettings(
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


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite://{DEFAULT_DATABASE_PATH}"
    log_level: str = "INFO"
    log_format: str = "text"
    """`text` or `json` (one object a line, with the request id)."""
    auth_cache_seconds: int = 10
    """How long a process remembers an authenticated token; revocations empty it at once."""
    graphiql: bool = True
    max_tokens: int = 3000
    max_query_depth: int = 10
    max_aliases: int = 30
    max_query_fields: int = 10_000
    max_query_cost: int = 20_000
    document_cache_bytes: int = 64 * 1024 * 1024
    introspection: Introspection = Introspection.SECRET
    bounds: Bounds = field(default_factory=Bounds)
    live: LiveSettings = field(default_factory=LiveSettings)
    limits: Limits = field(default_factory=Limits)
    trusted_proxies: str = ""
    """Comma-separated IPs or CIDRs whose `X-Forwarded-For` names the client; none by default."""
    redis_url: str | None = None
    """Rate-limit counters in Redis instead of the database when set."""
    redis_prefix: str = "parley:ratelimit:"
    ws_init_timeout_seconds: int = 10
    ws_ping_interval_seconds: int = 20
    ws_pong_timeout_seconds: int = 10
    cors_origins: frozenset[str] = frozenset()
    """Origins whose pages may use secret keys; empty: any. Widget tokens follow their assistant."""
    max_body_bytes: int = 256 * 1024
    body_timeout_seconds: int = 10
    request_timeout_seconds: int = 15
    statement_timeout_ms: int = 5000
    compiled_plans: bool = True
    """Answer covered queries from compiled plans (schema/plan); off: the executor answers all."""
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        return cls.read(Environment(os.environ if env is None else env))

    @classmethod
    def read(cls, read: Environment) -> "Settings":
        """The settings `read` finds; every variable read here is a row of the configuration page,
        in this order."""
        defaults = cls()
        live = LiveSettings()
        return cls(
            database_url=read.text(
                "DATABASE_URL",
                defaults.database_url,
                "Tortoise database URL: `sqlite://PATH` or `postgres://user:pass@host:port/db`",
            ),
            log_level=read.text("PARLEY_LOG_LEVEL", defaults.log_level, "log level"),
            log_format=read.choice(
                "PARLEY_LOG_FORMAT",
                ("text", "json"),
                defaults.log_format,
                "`text`, or `json`: one object a line with the request id",
            ),
            graphiql=read.flag(
                "PARLEY_GRAPHIQL",
                defaults.graphiql,
                "serve GraphiQL to browsers at `/graphql` (never when introspection is `none`)",
            ),
            introspection=read.introspection(
                "PARLEY_INTROSPECTION",
                defaults.introspection,
                "who may introspect: `secret` keys, `all`, `none`",
            ),
            max_body_bytes=read.integer(
                "PARLEY_MAX_BODY_BYTES", defaults.max_body_bytes, "largest request body (413)"
            ),
            body_timeout_seconds=read.integer(
                "PARLEY_BODY_TIMEOUT_SECONDS",
                defaults.body_timeout_seconds,
                "time for a request body to arrive (408)",
            ),
            request_timeout_seconds=read.integer(
                "PARLEY_REQUEST_TIMEOUT_SECONDS",
                defaults.request_timeout_seconds,
                "time for a whole request (504 `TIMEOUT`)",
            ),
            statement_timeout_ms=read.integer(
                "PARLEY_STATEMENT_TIMEOUT_MS",
                defaults.statement_timeout_ms,
                "PostgreSQL `statement_timeout` of the server's connections (`TIMEOUT`); "
                "migrations have none",
            ),
            max_tokens=read.integer(
                "PARLEY_MAX_TOKENS", defaults.max_tokens, "lexical tokens in one document"
            ),
            max_query_depth=read.integer(
                "PARLEY_MAX_QUERY_DEPTH",
                defaults.max_query_depth,
                "deepest selection over fragment expansion (introspection has its own cap of 20)",
            ),
            max_aliases=read.integer(
                "PARLEY_MAX_ALIASES", defaults.max_aliases, "aliases over fragment expansion"
            ),
            max_query_fields=read.integer(
                "PARLEY_MAX_QUERY_FIELDS",
                defaults.max_query_fields,
                "field selections over fragment expansion",
            ),
            max_query_cost=read.integer(
                "PARLEY_MAX_QUERY_COST",
                defaults.max_query_cost,
                "static cost budget of one document (see the public edge's document limits)",
            ),
            compiled_plans=read.flag(
                "PARLEY_COMPILED_PLANS",
                defaults.compiled_plans,
                "answer the queries a compiled plan covers from one statement each; `false`: "
                "the executor answers every query",
            ),
            document_cache_bytes=read.integer(
                "PARLEY_DOCUMENT_CACHE_BYTES",
                defaults.document_cache_bytes,
                "memory the cached valid documents may hold, per process (persisted queries are "
                "among them); `0` keeps none",
            ),
            auth_cache_seconds=read.integer(
                "PARLEY_AUTH_CACHE_SECONDS",
                defaults.auth_cache_seconds,
                "how long a process remembers an authenticated token; revocations empty it at once",
            ),
            cors_origins=read.origins(
                "PARLEY_CORS_ORIGINS",
                "comma-separated origins whose pages may use secret keys; empty: any",
            ),
            trusted_proxies=read.text(
                "PARLEY_TRUSTED_PROXIES",
                defaults.trusted_proxies,
                "comma-separated addresses or CIDRs whose `X-Forwarded-For` names the client; "
                "empty: none",
            ),
            redis_url=read.optional(
                "PARLEY_REDIS_URL", "keep rate-limit counters in this Redis instead of the database"
            ),
            redis_prefix=read.text(
                "PARLEY_REDIS_PREFIX", defaults.redis_prefix, "prefix of those counters' keys"
            ),
            limits=Limits(**read.by_field(Limits)),
            bounds=Bounds(**read.by_field(Bounds)),
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
            ),
            ws_init_timeout_seconds=read.integer(
                "PARLEY_WS_INIT_TIMEOUT_SECONDS",
                defaults.ws_init_timeout_seconds,
                "time to send `connection_init` before the socket is closed with 4408",
            ),
            ws_ping_interval_seconds=read.integer(
                "PARLEY_WS_PING_INTERVAL_SECONDS",
                defaults.ws_ping_interval_seconds,
                "silence after which the server pings a socket",
            ),
            ws_pong_timeout_seconds=read.integer(
                "PARLEY_WS_PONG_TIMEOUT_SECONDS",
                defaults.ws_pong_timeout_seconds,
                "time to answer a ping before the socket is closed with 4504",
            ),
            webhooks=_webhooks(read),
        )

    @classmethod
    def variables(cls) -> list[Variable]:
        """Every variable `from_env` reads, with its default and meaning, in reading order."""
        read = Environment({})
        cls.read(read)
        return read.read

    @property
    def query_limits(self) -> QueryLimits:
        """What the schema checks in each document before running it."""
        return QueryLimits(
            max_tokens=self.max_tokens,
            max_depth=self.max_query_depth,
            max_aliases=self.max_aliases,
            max_fields=self.max_query_fields,
            max_cost=self.max_query_cost,
            cache_bytes=self.document_cache_bytes,
            introspection=self.introspection,
        )

    @property
    def dialect(self) -> str:
        """`postgres` or `sqlite`."""
        return dialect_of(self.database_url)

    def make_database_folder(self) -> None:
        """SQLite creates its file but not the folder it goes in (`var/` on a fresh checkout)."""
        if self.sqlite_path is not None:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def sqlite_path(self) -> Path | None:
        """The database file when running on SQLite, so its folder can be made."""
        if not self.database_url.startswith("sqlite://"):
            return None
        path = self.database_url.removeprefix("sqlite://").split("?", 1)[0]
        return None if path == ":memory:" else Path(path)
