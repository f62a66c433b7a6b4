"""The settings objects of the concerns the server enforces itself (database, logs, HTTP, documents,
websockets, Redis); the other concerns' objects live beside the layer that enforces them (Bounds,
EdgeLimits, LiveSettings, WebhookSettings, EngineSettings). Each is read by its concern's function
in server/settings.py, which names the `PARLEY_*` variables: a field here may be renamed freely."""

from dataclasses import dataclass, field
from pathlib import Path

from models.config import dialect_of
from schema.policy.documents import DocumentLimits

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = PROJECT_ROOT / "var" / "parley.sqlite3"


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = f"sqlite://{DEFAULT_DATABASE_PATH}"
    statement_timeout_ms: int = 5000
    read_url: str | None = None
    """A streaming replica of `url` (PostgreSQL only) that serves lists, counts, summaries and
    exports (docs/replicas.md); None: every read is the primary's."""
    read_max_lag_seconds: float = 5.0
    """How far behind the primary the replica may be and still serve a read."""
    read_probe_seconds: float = 1.0
    """How often the replica's position (and a replica marked down) is looked at again."""

    @property
    def dialect(self) -> str:
        """`postgres` or `sqlite`."""
        return dialect_of(self.url)

    def make_folder(self) -> None:
        """SQLite creates its file but not the folder it goes in (`var/` on a fresh checkout)."""
        if self.sqlite_path is not None:
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)

    @property
    def sqlite_path(self) -> Path | None:
        """The database file when running on SQLite, so its folder can be made."""
        if not self.url.startswith("sqlite://"):
            return None
        path = self.url.removeprefix("sqlite://").split("?", 1)[0]
        return None if path == ":memory:" else Path(path)


@dataclass(frozen=True)
class LogSettings:
    level: str = "INFO"
    format: str = "text"
    """`text` or `json` (one object a line, with the request id)."""


@dataclass(frozen=True)
class HttpSettings:
    """What the public edge allows a request; `0` turns a size or time limit off."""

    max_body_bytes: int = 256 * 1024
    body_timeout_seconds: int = 10
    request_timeout_seconds: int = 15
    cors_origins: frozenset[str] = frozenset()
    """Origins whose pages may use secret keys; empty: any. Widget tokens follow their assistant."""
    trusted_proxies: str = ""
    """Comma-separated IPs or CIDRs whose `X-Forwarded-For` names the client; none by default."""
    auth_cache_seconds: int = 10
    """How long a process remembers an authenticated token; revocations empty it at once."""
    graphiql: bool = True


@dataclass(frozen=True)
class DocumentSettings:
    limits: DocumentLimits = field(default_factory=DocumentLimits)
    """What the schema checks in each document before running it."""
    compiled_plans: bool = True
    """Answer covered queries from compiled plans (schema/plan); off: the executor answers all."""


@dataclass(frozen=True)
class RedisSettings:
    """Rate-limit counters in Redis instead of the database when `url` is set."""

    url: str | None = None
    prefix: str = "parley:ratelimit:"


@dataclass(frozen=True)
class WebsocketSettings:
    init_timeout_seconds: int = 10
    ping_interval_seconds: int = 20
    pong_timeout_seconds: int = 10
