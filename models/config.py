"""The Tortoise configuration, built from a database URL (never at import time)."""

from typing import Any

from asyncpg import Connection
from tortoise.backends.base.config_generator import expand_db_url

MODEL_MODULES = ["models"]
MIGRATIONS_MODULE = "models.migrations"
ENGINES = {"postgres": "models.engines.postgres", "sqlite": "models.engines.sqlite"}
"""Tortoise's clients, fixed so a cancelled transaction cannot keep what it took."""


def tortoise_config(database_url: str, statement_timeout_ms: int = 0) -> dict[str, Any]:
    """One app, `models`, on one connection; times are stored and returned as UTC.

    On PostgreSQL a positive `statement_timeout_ms` bounds every statement the server runs for
    this process (the server cancels it: code TIMEOUT); 0 leaves statements unbounded, as
    migrations want."""
    connection = expand_db_url(database_url)
    connection["engine"] = ENGINES[dialect_of(database_url)]
    if dialect_of(database_url) == "postgres":
        credentials = connection["credentials"]
        credentials["reset"] = keep_session
        if statement_timeout_ms > 0:
            settings = dict(credentials.get("server_settings") or {})
            settings["statement_timeout"] = str(statement_timeout_ms)
            credentials["server_settings"] = settings
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def dialect_of(database_url: str) -> str:
    """`postgres` or `sqlite`: the two databases Parley speaks."""
    scheme = database_url.split(":", 1)[0]
    if scheme in ("postgres", "postgresql", "asyncpg", "psycopg"):
        return "postgres"
    if scheme == "sqlite":
        return "sqlite"
    raise ValueError(f"unsupported database URL scheme {scheme!r}: use postgres:// or sqlite://")


async def keep_session(connection: Connection) -> None:
    """The pool's reset when a connection comes back: nothing beyond what asyncpg always does
    (roll back an open transaction, drop its listeners).

    asyncpg's default reset (`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`)
    costs a round trip on every release, and Tortoise releases after every statement: half of a
    page's round trips. Nothing Parley runs on a pooled connection leaves session state behind:
    settings come from `server_settings` at connect, advisory locks are transaction-scoped
    (`pg_advisory_xact_lock`), cursors live inside transactions, and LISTEN has its own dedicated
    connection (subscriptions/broker.py). A new use of session state must come with a reset."""
