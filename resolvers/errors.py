"""Expected failures, each carrying the `extensions.code` a client sees.

Raise these from anywhere below the schema; `schema/policy/errors.py` is the one place that turns
them into GraphQL errors. Anything else that escapes is a bug: it is logged in full and masked for
clients.
"""

from collections.abc import Iterator
from typing import Any, ClassVar

import asyncpg
from tortoise.exceptions import DBConnectionError


class ParleyError(Exception):
    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions = extensions


class BadUserInput(ParleyError):
    code = "BAD_USER_INPUT"


class Unauthenticated(ParleyError):
    code = "UNAUTHENTICATED"


class Forbidden(ParleyError):
    code = "FORBIDDEN"


class NotFound(ParleyError):
    code = "NOT_FOUND"


class Conflict(ParleyError):
    code = "CONFLICT"


class RateLimited(ParleyError):
    code = "RATE_LIMITED"


class QueryTooComplex(ParleyError):
    code = "QUERY_TOO_COMPLEX"


class Timeout(ParleyError):
    code = "TIMEOUT"


class Unavailable(ParleyError):
    code = "UNAVAILABLE"


_UNREACHABLE = (
    OSError,  # refused, reset, unreachable
    DBConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def database_failure(error: BaseException) -> ParleyError | None:
    """What a client may be told about a failure of the database itself: TIMEOUT for a
    statement the server cancelled, UNAVAILABLE for a database it cannot reach (retry later);
    None for anything else, which is a bug."""
    for cause in _chain(error):
        if isinstance(cause, asyncpg.QueryCanceledError):
            return Timeout("A database statement took too long and was cancelled.")
        if isinstance(cause, _UNREACHABLE):
            return Unavailable("The database is unavailable; retry shortly.", retryAfter=1)
    return None


def unreachable(error: BaseException) -> bool:
    """Whether the error, or one that caused it, says the database could not be reached (the
    connection refused, reset or lost), as opposed to a statement failing on it."""
    return any(isinstance(cause, _UNREACHABLE) for cause in _chain(error))
