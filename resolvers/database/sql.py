"""Hand-written SQL for the paths where the ORM cannot say what we need (full-text search, keyset
pages, window functions), run on the ORM's own connection so transactions and pools are shared."""

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

M = TypeVar("M", bound=Model)


def db() -> BaseDBAsyncClient:
    client: BaseDBAsyncClient = connections.get("default")
    return client


def dialect() -> str:
    """`postgres` or `sqlite`."""
    return str(db().capabilities.dialect)


class Params:
    """Collects bound values and hands out the placeholder each database expects."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.values: list[Any] = []

    def add(self, value: Any) -> str:
        self.values.append(self._adapt(value))
        return f"${len(self.values)}" if self.dialect == "postgres" else "?"

    def add_all(self, values: Iterable[Any]) -> str:
        """A parenthesised list of placeholders, for `IN (...)`."""
        return "(" + ", ".join(self.add(value) for value in values) + ")"

    def _adapt(self, value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, datetime):
            value = value.astimezone(UTC)
            # Tortoise stores SQLite times as str(datetime); compare against the same text.
            return str(value) if self.dialect == "sqlite" else value
        return value


async def fetch(
    sql: str, params: Params, using: BaseDBAsyncClient | None = None
) -> list[dict[str, Any]]:
    """Rows as dicts; `using` is the connection of an open transaction, when in one."""
    return await (using or db()).execute_query_dict(sql, params.values)


async def fetch_models(model: type[M], sql: str, params: Params) -> list[M]:
    """Rows of `model`'s own table, built the way the ORM builds them (types converted per DB)."""
    rows = await fetch(sql, params)
    return [model._init_from_db(**row) for row in rows]
