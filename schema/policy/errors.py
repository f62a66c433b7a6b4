"""The one place where failures become GraphQL errors.

Our own `ParleyError`s keep their message and gain `extensions.code`; errors in the request itself
(syntax, validation, variable coercion) are BAD_USER_INPUT unless a rule gave a code; anything
else is a bug, logged in full and shown to clients only as "Internal server error".
"""

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from resolvers.errors import ParleyError, database_failure
from schema.policy.metrics import ERRORS, STATEMENT_TIMEOUTS

logger = logging.getLogger("parley.errors")

INTERNAL_MESSAGE = "Internal server error."


def _with_code(
    error: GraphQLError, code: str, extensions: dict[str, object] | None = None
) -> GraphQLError:
    return GraphQLError(
        message=error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions={**(error.extensions or {}), **(extensions or {}), "code": code},
    )


def _masked(error: GraphQLError, message: str) -> GraphQLError:
    """The same error with our message: a driver's own text may carry SQL or values."""
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
    )


def classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, ParleyError):
        return _with_code(error, original.code, original.extensions)
    if original is None or isinstance(original, GraphQLError):
        existing = (error.extensions or {}).get("code")
        return _with_code(error, str(existing) if existing else "BAD_USER_INPUT")
    failure = database_failure(original)
    if failure is not None:
        logger.warning("%s at %s: %s", failure.code, error.path, original)
        return _with_code(_masked(error, failure.message), failure.code, failure.extensions)
    logger.error("unexpected error at %s", error.path, exc_info=original)
    return GraphQLError(
        message=INTERNAL_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )


class ErrorPolicy(MaskErrors):
    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [_counted(classify(error)) for error in errors]


def _counted(error: GraphQLError) -> GraphQLError:
    code = str((error.extensions or {}).get("code"))
    ERRORS.labels(code).inc()
    if code == "TIMEOUT":
        STATEMENT_TIMEOUTS.inc()
    return error
