"""Counting the SQL statements a request sends, from the ORM's own DEBUG log.

Tortoise logs every statement on `tortoise.db_client` with the SQL as the first argument and the
bound values as the second, so the log is a complete and exact record of what reached the database.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

LOGGER = "tortoise.db_client"
PERIODIC = (
    'UPDATE "api_key"',
    "UPDATE socket_lease SET expires_at",
    "DELETE FROM socket_lease WHERE expires_at",
    "DELETE FROM rate_counter WHERE",
)
"""What a process sends on its own clock, not for any one request: authentication records a key's
use at most once a minute, the process renews its sockets' leases every 30 s
(resolvers/limits/socketleases.py) and sweeps ended rate counters every minute. Any of them may
fall in a measured window."""


@dataclass(frozen=True)
class Statement:
    sql: str
    values: list[Any]


class StatementLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[Statement] = []

    def emit(self, record: logging.LogRecord) -> None:
        args: Any = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str):
            if args[0].startswith(PERIODIC):
                return
            values = args[1] if len(args) > 1 and isinstance(args[1], list | tuple) else []
            self.statements.append(Statement(args[0], list(values)))


@contextmanager
def recording() -> Iterator[StatementLog]:
    """Records statements only inside the block: DEBUG logging would distort timed runs."""
    logger = logging.getLogger(LOGGER)
    log = StatementLog()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(log)
    try:
        yield log
    finally:
        logger.removeHandler(log)
        logger.setLevel(previous)
