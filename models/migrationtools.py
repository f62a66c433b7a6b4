"""Pieces migrations share."""

from typing import Any

from tortoise.migrations import operations as ops


class StateOnly(ops.AlterField):
    """A field's new state for the models, with nothing done to the database: for changes the
    database does not hold (a column's description), or that a migration makes itself in SQL.
    Tortoise's SQLite AlterField rebuilds the table, keeping its foreign keys and dropping its
    indexes."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None
