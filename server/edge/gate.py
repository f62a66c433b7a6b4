"""The key comes first: an HTTP request to /graphql without a valid key is refused before its
document is parsed, validated or executed, so anonymous traffic costs one hash and at most one
indexed lookup. (GraphiQL's page itself is served without a key; its requests send one.)

The caller found here travels to the GraphQL context in the request's scope, so a request is
authenticated once.
"""

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from resolvers.callers.caller import Caller
from resolvers.errors import ParleyError, Unauthenticated, database_failure
from schema.policy.metrics import REFUSED
from server.edge.authentication import MALFORMED_KEY, MISSING_KEY, authenticate, bearer_token
from server.edge.refusal import STATUS_OF_CODE, refuse

PRINCIPAL = "principal"
TOKEN = "token"


def asks_for_the_ide(scope: Scope) -> bool:
    """A browser opening GraphiQL: GET, no query (neither its text nor a persisted query's hash),
    HTML accepted (as the view decides)."""
    if scope["method"] != "GET":
        return False
    accept = Headers(scope=scope).get("accept", "")
    query = QueryParams(scope.get("query_string", b"").decode("latin-1"))
    return "text/html" in accept and "query" not in query and "extensions" not in query


class AuthGate:
    """Guards `paths` (the GraphQL endpoint and the export); `ide`: GraphiQL's page is open."""

    def __init__(self, app: ASGIApp, paths: frozenset[str], ide: bool) -> None:
        self.app = app
        self.paths = paths
        self.ide = ide

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] not in self.paths
            or scope["method"] == "OPTIONS"
            or (self.ide and asks_for_the_ide(scope))
        ):
            await self.app(scope, receive, send)
            return
        token = bearer_token(Headers(scope=scope).get("authorization"))
        try:
            if token is None:
                raise Unauthenticated(MISSING_KEY)
            if not token:
                raise Unauthenticated(MALFORMED_KEY)
            principal = await _authenticate(token)
        except ParleyError as error:
            headers = {"www-authenticate": "Bearer"} if error.code == "UNAUTHENTICATED" else {}
            retry = error.extensions.get("retryAfter")
            if retry is not None:
                headers["retry-after"] = str(retry)
            status = STATUS_OF_CODE.get(error.code, 400)
            REFUSED.labels("authentication" if status == 401 else error.code.lower()).inc()
            await refuse(send, status, error.code, error.message, headers, **error.extensions)
            return
        state = scope.setdefault("state", {})
        state[PRINCIPAL] = principal
        state[TOKEN] = token
        await self.app(scope, receive, send)


async def _authenticate(token: str) -> Caller:
    try:
        return await authenticate(token)
    except ParleyError:
        raise
    except Exception as error:
        failure = database_failure(error)
        if failure is None:
            raise
        raise failure from error
