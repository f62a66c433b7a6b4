"""The Tortoise configuration, built from a database URL (never at import time)."""

from typing import Any

from tortoise.backends.base.config_generator import expand_db_url

MODEL_MODULES = ["models"]
MIGRATIONS_MODULE = "models.migrations"


def tortoise_config(database_url: str, statement_timeout_ms: int = 0) -> dict[str, Any]:
    """One app, `models`, on one connection; times are stored and returned as UTC.

    On PostgreSQL a positive `statement_timeout_ms` bounds every statement the server runs for
    this process (the server cancels it: code TIMEOUT); 0 leaves statements unbounded, as
    migrations want."""
    connection: str | dict[str, Any] = database_url
    if statement_timeout_ms > 0 and dialect_of(database_url) == "postgres":
        connection = expand_db_url(database_url)
        settings = dict(connection["credentials"].get("server_settings") or {})
        settings["statement_timeout"] = str(statement_timeout_ms)
        connection["credentials"]["server_settings"] = settings
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
