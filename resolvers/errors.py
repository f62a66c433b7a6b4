"""Expected failures, each carrying the `extensions.code` a client sees.

Raise these from anywhere below the schema; `schema/errors.py` is the one place that turns them into
GraphQL errors. Anything else that escapes is a bug: it is logged in full and masked for clients.
"""

from typing import Any, ClassVar


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
