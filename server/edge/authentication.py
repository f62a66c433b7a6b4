"""Who is calling, from the request's bearer token, held to the limits of the edge.

A token is a session token or an API key, found in the app's caller cache when it was seen a moment
ago (resolvers/callers/tokens.py). Every path that authenticates a request or a
socket goes through `authenticate`, which the `RequestConnection` middleware points at the one
being served, so guesses are counted per address and a secret key spends its cost points.
"""

import asyncio
import hashlib
from contextvars import ContextVar

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from resolvers.callers.cache import CallerCache
from resolvers.callers.caller import Caller, CallerKind
from resolvers.callers.tokens import authenticate_token
from resolvers.errors import ParleyError
from resolvers.limits.limiter import Verdict
from server.edge.address import client_address
from server.edge.limits import POINTS_SUBJECT, VERDICT, rate_limits
from server.settings import Settings

_connection: ContextVar[HTTPConnection | None] = ContextVar("parley_connection", default=None)
MISSING_KEY = "Missing API key: send the header `Authorization: Bearer <key>`."
MALFORMED_KEY = "Malformed Authorization header: use `Bearer <key>`."
SECRET_PREFIX = "sk_"


def bearer_token(authorization: str | None) -> str | None:
    """The token of `Bearer <token>`; "" for a malformed header (tokens are printable ASCII, so
    anything else is refused here, before it is hashed or looked up); None without one."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or not (token.isascii() and token.isprintable()):
        return ""
    return token


async def authenticate_request(connection: HTTPConnection, token: str) -> Caller:
    """`authenticate` behind the limits of the edge: an address that presented too many bad
    tokens this minute is RATE_LIMITED whatever it sends now (its lookup's answer is never used),
    and a secret key spends a cost point per request (until queries are costed). The checks run
    beside the lookup, so they add no round trip; a token this process has not seen succeed from
    this address waits for the address's other unknown tokens (`KnownTokens`), and only those
    are checked against the address's failures (a known key is no guess). The tightest
    verdict is left in the scope's state (`VERDICT`) for the response headers."""
    known = rate_limits(connection).known_tokens
    settings: Settings = connection.app.state.settings
    address = client_address(connection, settings.http.trusted_proxies) or "unknown"
    digest = token_digest(token)
    if known.known(address, digest):  # not a guess: its failures are not checked
        try:
            principal, points = await _authenticate_limited(connection, token, address, guess=False)
        except ParleyError:
            known.forget(address, digest)  # revoked or expired since
            raise
    else:
        async with known.lock(address):
            principal, points = await _authenticate_limited(connection, token, address, guess=True)
        known.learn(address, digest)  # a key out of points is still no guess
    if points is not None and not points.allowed:
        raise points.refusal("cost points spent")
    return principal


async def _authenticate_limited(
    connection: HTTPConnection, token: str, address: str, *, guess: bool
) -> tuple[Caller, Verdict | None]:
    """The token's principal and a secret key's points verdict (refused by the caller)."""
    limits = rate_limits(connection)
    state = connection.scope.setdefault("state", {})
    subject = token_digest(token) if token.startswith(SECRET_PREFIX) else None
    # A guess reserves its failure before it is answered (given back if the token is good), so
    # however many processes answer guesses from one address at once, no more than the limit
    # are ever answered.
    failures, points, found = await asyncio.gather(
        limits.failed_auth.take(address) if guess else _no_verdict(),
        limits.points.take(subject) if subject is not None else _no_verdict(),
        authenticate_token(token, callers_of(connection)),
        return_exceptions=True,
    )
    if isinstance(failures, BaseException):
        raise failures
    if isinstance(points, BaseException):
        raise points
    if failures is not None and not failures.allowed:
        state[VERDICT] = failures
        raise failures.refusal("failed authentications from this address")
    if isinstance(found, ParleyError):
        raise found  # its failure was reserved above
    if failures is not None:
        await limits.failed_auth.give_back(address)
    if isinstance(found, BaseException):
        raise found
    if points is not None and found.kind is CallerKind.SECRET:
        state[VERDICT] = points
        state[POINTS_SUBJECT] = subject
        return found, points
    return found, None


def token_digest(token: str) -> str:
    """A token's name in counters and caches (whose cost points a secret key spends), known
    before its lookup; never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


async def _no_verdict() -> Verdict | None:
    return None


async def authenticate(token: str) -> Caller:
    """The caller behind a bearer token, checked against the limits of the request or socket
    being served (`authenticate_request`, via `RequestConnection`); outside one, no limits."""
    connection = _connection.get()
    if connection is None:
        return await authenticate_token(token)
    return await authenticate_request(connection, token)


class RequestConnection:
    """Middleware (outermost) that makes the request or socket being served known to
    `authenticate`, so every path that authenticates one is held to the same limits."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        reset = _connection.set(HTTPConnection(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            _connection.reset(reset)


def callers_of(connection: HTTPConnection) -> CallerCache | None:
    """The serving app's caller cache (apps built by `create_app` have one)."""
    callers: CallerCache | None = getattr(connection.app.state, "callers", None)
    return callers
