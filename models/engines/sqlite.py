"""Tortoise's SQLite client, whose transaction gives its lock back when cancelled while it begins
(see models/engines/__init__.py)."""

from typing import Any

from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections


class _TransactionContext(SqliteTransactionContext):
    async def __aenter__(self) -> TransactionalDBClient:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:
            try:
                if self.connection._connection is not None:
                    # A BEGIN already queued on the connection's thread still runs: end it.
                    await self.connection._connection.rollback()
            finally:
                self._trxlock.release()
            raise
        return self.connection  # type: ignore[no-any-return]


class Client(SqliteClient):
    def _in_transaction(self) -> TransactionContext:
        return _TransactionContext(SqliteTransactionWrapper(self), self._lock)


client_class = Client


def get_client_class(_db_info: dict[str, Any]) -> type[Client]:
    return Client
