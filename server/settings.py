"""Settings from the environment, read once by whoever starts the service (never at import time).

Every setting is documented in the README with its default.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar

from models.config import dialect_of
from resolvers.bounds import Bounds
from resolvers.forms import normalise_origins
from resolvers.ratelimit import Limits
from resolvers.webhook import WebhookSettings
from schema.documents import QueryLimits
from schema.introspection import Introspection
from subscriptions.live import LiveSettings

T = TypeVar("T", int, float)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "var" / "parley.sqlite3"


def _number(env: Mapping[str, str], name: str, default: T, kind: Callable[[str], T]) -> T:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name} must be {what}, not {raw!r}") from None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return _number(env, name, default, int)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, float)


def _webhooks(env: Mapping[str, str]) -> WebhookSettings:
    defaults = WebhookSettings()
    return WebhookSettings(
        allow_private=_bool(env, "PARLEY_WEBHOOK_ALLOW_PRIVATE", defaults.allow_private),
        timeout_seconds=_float(env, "PARLEY_WEBHOOK_TIMEOUT_SECONDS", defaults.timeout_seconds),
        retry_window_seconds=_int(
            env, "PARLEY_WEBHOOK_RETRY_WINDOW_SECONDS", defaults.retry_window_seconds
        ),
        first_retry_seconds=_float(
            env, "PARLEY_WEBHOOK_FIRST_RETRY_SECONDS", defaults.first_retry_seconds
        ),
        max_retry_seconds=_float(
            env, "PARLEY_WEBHOOK_MAX_RETRY_SECONDS", defaults.max_retry_seconds
        ),
        concurrency=max(1, _int(env, "PARLEY_WEBHOOK_CONCURRENCY", defaults.concurrency)),
        poll_seconds=_float(env, "PARLEY_WEBHOOK_POLL_SECONDS", defaults.poll_seconds),
        enabled=_bool(env, "PARLEY_WEBHOOKS", defaults.enabled),
    )


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
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL") or defaults.database_url,
            log_level=env.get("PARLEY_LOG_LEVEL") or defaults.log_level,
            log_format=_choice(env, "PARLEY_LOG_FORMAT", ("text", "json"), defaults.log_format),
            auth_cache_seconds=_int(env, "PARLEY_AUTH_CACHE_SECONDS", defaults.auth_cache_seconds),
            graphiql=_bool(env, "PARLEY_GRAPHIQL", defaults.graphiql),
            compiled_plans=_bool(env, "PARLEY_COMPILED_PLANS", defaults.compiled_plans),
            max_tokens=_int(env, "PARLEY_MAX_TOKENS", defaults.max_tokens),
            max_query_depth=_int(env, "PARLEY_MAX_QUERY_DEPTH", defaults.max_query_depth),
            max_aliases=_int(env, "PARLEY_MAX_ALIASES", defaults.max_aliases),
            max_query_fields=_int(env, "PARLEY_MAX_QUERY_FIELDS", defaults.max_query_fields),
            max_query_cost=_int(env, "PARLEY_MAX_QUERY_COST", defaults.max_query_cost),
            document_cache_bytes=_int(
                env, "PARLEY_DOCUMENT_CACHE_BYTES", defaults.document_cache_bytes
            ),
            introspection=_introspection(env, "PARLEY_INTROSPECTION", defaults.introspection),
            bounds=Bounds(
                **{
                    item.name: _int(env, f"PARLEY_{item.name.upper()}", item.default)
                    for item in fields(Bounds)
                    if isinstance(item.default, int)
                }
            ),
            limits=Limits(
                **{
                    item.name: _int(env, f"PARLEY_{item.name.upper()}", item.default)
                    for item in fields(Limits)
                    if isinstance(item.default, int)
                }
            ),
            trusted_proxies=env.get("PARLEY_TRUSTED_PROXIES", ""),
            redis_url=env.get("PARLEY_REDIS_URL") or None,
            redis_prefix=env.get("PARLEY_REDIS_PREFIX") or defaults.redis_prefix,
            live=LiveSettings(
                count_interval_seconds=_int(env, "PARLEY_LIVE_COUNT_INTERVAL_MS", 250) / 1000,
                listener_bound=_int(env, "PARLEY_SUBSCRIPTION_BUFFER", 1000),
            ),
            ws_init_timeout_seconds=_int(
                env, "PARLEY_WS_INIT_TIMEOUT_SECONDS", defaults.ws_init_timeout_seconds
            ),
            ws_ping_interval_seconds=_int(
                env, "PARLEY_WS_PING_INTERVAL_SECONDS", defaults.ws_ping_interval_seconds
            ),
            ws_pong_timeout_seconds=_int(
                env, "PARLEY_WS_PONG_TIMEOUT_SECONDS", defaults.ws_pong_timeout_seconds
            ),
            cors_origins=_origins(env, "PARLEY_CORS_ORIGINS"),
            max_body_bytes=_int(env, "PARLEY_MAX_BODY_BYTES", defaults.max_body_bytes),
            body_timeout_seconds=_int(
                env, "PARLEY_BODY_TIMEOUT_SECONDS", defaults.body_timeout_seconds
            ),
            request_timeout_seconds=_int(
                env, "PARLEY_REQUEST_TIMEOUT_SECONDS", defaults.request_timeout_seconds
            ),
            statement_timeout_ms=_int(
                env, "PARLEY_STATEMENT_TIMEOUT_MS", defaults.statement_timeout_ms
            ),
            webhooks=_webhooks(env),
        )

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
