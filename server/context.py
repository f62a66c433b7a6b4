"""What every resolver gets as `info.context`: the caller and the request's DataLoaders.

It provides what `schema.context.Context` asks for; the schema sees it only through that protocol.
"""

import asyncio
import hashlib
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from resolvers.apikey import authenticate_key
from resolvers.auth import CallerKind, Principal
from resolvers.bounds import Bounds
from resolvers.callers import CallerCache
from resolvers.errors import ParleyError, Unauthenticated
from resolvers.loaders import Loaders
from resolvers.ratelimit import RateLimits, Verdict
from resolvers.session import PREFIX as SESSION_PREFIX
from resolvers.session import authenticate_session
from resolvers.webhook import WebhookSettings
from server.address import client_address
from server.settings import Settings
from subscriptions.live import Live

_connection: ContextVar[HTTPConnection | None] = ContextVar("parley_connection", default=None)
_closing: set[asyncio.Task[None]] = set()
"""Close tasks in flight, held so they are not collected before they run."""
MISSING_KEY = "Missing API key: send the header `Authorization: Bearer <key>`."
MALFORMED_KEY = "Malformed Authorization header: use `Bearer <key>`."
VERDICT = "rate_verdict"
POINTS_SUBJECT = "rate_points_subject"
SECRET_PREFIX = "sk_"
"""Where a request's scope state keeps the tightest rate-limit verdict met before the context."""


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    principal: Principal | None = None
    auth_error: ParleyError | None = None
    connection_params: dict[str, object] | None = None
    """The `connection_init` payload of a websocket."""
    token: str | None = field(default=None, repr=False)
    verdict: Verdict | None = None
    """The tightest limit this request met, reported in its `RateLimit-*` headers."""
    _loaders: Loaders | None = field(default=None, repr=False)
    _held: list[str] | None = field(default=None, repr=False)
    _authorized_at: tuple[float, int] | None = field(default=None, repr=False)
    """When `still_authorized` last looked the token up, and how many revocations had been
    announced then."""

    def caller(self) -> Principal:
        """The authenticated key; UNAUTHENTICATED when there is none or it is not valid."""
        if self.principal is None:
            raise self.auth_error or Unauthenticated(MISSING_KEY)
        return self.principal

    def reader(self) -> Principal:
        """A key allowed to read this workspace's records."""
        return self.caller().require_reader()

    @property
    def live(self) -> Live:
        live: Live = self.request.app.state.live
        return live

    @property
    def bounds(self) -> Bounds:
        return self.settings.bounds

    @property
    def webhooks(self) -> WebhookSettings:
        return self.settings.webhooks

    @property
    def address(self) -> str:
        """The client's address (server/address.py); `unknown` when the transport has none."""
        return client_address(self.request, self.settings.trusted_proxies) or "unknown"

    async def limit_widget_start(self, caller: Principal) -> None:
        """RATE_LIMITED when one widget key starts too many conversations from one address;
        servers holding secret keys spend cost points instead."""
        if caller.kind is CallerKind.PUBLISHABLE:
            verdict = await rate_limits(self.request).starts.take(f"{caller.key_id}:{self.address}")
            self.report(verdict, "conversations started")

    async def limit_widget_send(self, caller: Principal) -> None:
        """RATE_LIMITED when one widget session sends too many messages."""
        if caller.kind is CallerKind.SESSION:
            verdict = await rate_limits(self.request).messages.take(str(caller.conversation_id))
            self.report(verdict, "messages sent")

    async def take_points(self, points: int) -> None:
        """Spends a secret key's cost points for this minute; RATE_LIMITED when they would pass
        the budget (nothing is spent then). Other callers have limits of their own."""
        subject = self.request.scope.get("state", {}).get(POINTS_SUBJECT)
        if self.caller().kind is CallerKind.SECRET and subject is not None:
            verdict = await rate_limits(self.request).points.take(subject, points)
            self.report(verdict, "cost points spent")

    def report(self, verdict: Verdict | None, what: str) -> None:
        """Keeps the tightest verdict for the headers; RATE_LIMITED when it refused."""
        self.note(verdict)
        if verdict is not None and not verdict.allowed:
            raise verdict.refusal(what)

    def note(self, verdict: Verdict | None) -> None:
        """Keeps `verdict` for the `RateLimit-*` headers if it is the tightest so far."""
        if verdict is None:
            return
        if (
            self.verdict is None
            or not verdict.allowed
            or (self.verdict.allowed and verdict.remaining < self.verdict.remaining)
        ):
            self.verdict = verdict
            if isinstance(self.response, Response):
                write_headers(self.response, verdict)

    async def hold_socket(self) -> bool:
        """Counts this websocket against its key's and its address's caps, across every server
        process (resolvers/socketleases.py); False, holding nothing, when either is full."""
        caller = self.caller()
        key = (
            f"key:{caller.key_id}"
            if caller.key_id is not None
            else f"session:{caller.conversation_id}"
        )
        limits = rate_limits(self.request)
        leases = await limits.socket_leases.acquire(
            [
                (key, limits.sockets_per_key.cap),
                (f"address:{self.address}", limits.sockets_per_address.cap),
            ]
        )
        if leases is None:
            return False
        self._held = leases
        return True

    async def release_socket(self) -> None:
        """Gives back what `hold_socket` took, once."""
        if self._held is not None:
            leases, self._held = self._held, None
            await rate_limits(self.request).socket_leases.release(leases)

    @property
    def origin(self) -> str | None:
        """The page that sent the request, as the browser reports it."""
        return self.request.headers.get("origin")

    def close_socket(self, code: int, reason: str) -> None:
        """Closes this context's websocket without waiting (from a callback, say)."""
        if isinstance(self.request, WebSocket):
            task = asyncio.create_task(self.request.close(code=code, reason=reason))
            _closing.add(task)
            task.add_done_callback(_closing.discard)

    def forget_loaders(self) -> None:
        """A websocket's context outlives its operations: each one starts with fresh loaders."""
        self._loaders = None

    async def still_authorized(self) -> bool:
        """Whether a long-lived socket's token still authenticates (revoked keys and expired
        session tokens stop streaming). Cheap: with no revocation announced since its last
        look-up and its token not expired, the socket's own answer stands, without hashing the
        token for every frame; and as long as the process hears every revocation (its broker's
        listener is connected) it stands however long ago that was, so a widget whose messages
        come every minute is not looked up in the database for each one. Otherwise (the listener
        is away, notices may be missed) it stands for `PARLEY_AUTH_CACHE_SECONDS`, and then the
        process's caller cache answers; a revocation empties that cache at once."""
        if self.token is None:
            return True
        sockets = getattr(self.request.app.state, "sockets", None)
        revocations = sockets.revocations if sockets is not None else -1
        now = time.monotonic()
        last = self._authorized_at
        expires_at = self.principal.expires_at if self.principal is not None else None
        if (
            last is not None
            and last[1] == revocations
            and (
                now - last[0] < self.settings.auth_cache_seconds or _hears_revocations(self.request)
            )
            and (expires_at is None or expires_at > datetime.now(UTC))
        ):
            return True
        try:
            await authenticate_token(self.token, callers_of(self.request))
        except ParleyError:
            return False
        self._authorized_at = (now, revocations)
        return True

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.caller().workspace_id)
        return self._loaders


def _hears_revocations(connection: HTTPConnection) -> bool:
    live: Live | None = getattr(connection.app.state, "live", None)
    return live is not None and live.broker.hears_revocations


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


async def build_context(
    request: Request | WebSocket,
    response: Response | WebSocket | None,
    settings: Settings,
) -> Context:
    """The context of a request or socket. Its caller is found once: over HTTP by the gate
    (server/gate.py), which leaves it in the request's state (GraphiQL's page, the one request
    the gate lets through without a key, runs nothing); over a websocket by `connection_init`
    (server/websocket.py `connect`)."""
    context = Context(request=request, response=response, settings=settings)
    gated = request.scope.get("state", {})
    context.note(gated.get(VERDICT))
    if "principal" in gated:
        context.principal = gated["principal"]
        context.token = gated.get("token")
    return context


def rate_limits(connection: HTTPConnection) -> RateLimits:
    limits: RateLimits = connection.app.state.rate_limits
    return limits


def write_headers(response: Response, verdict: Verdict) -> None:
    """`RateLimit-*` (IETF draft) for the tightest limit met, and `Retry-After` when refused."""
    response.headers["ratelimit-limit"] = str(verdict.limit)
    response.headers["ratelimit-remaining"] = str(verdict.remaining)
    response.headers["ratelimit-reset"] = str(verdict.retry_after)
    if not verdict.allowed:
        response.headers["retry-after"] = str(verdict.retry_after)


async def authenticate_request(connection: HTTPConnection, token: str) -> Principal:
    """`authenticate` behind the limits of the edge: an address that presented too many bad
    tokens this minute is RATE_LIMITED whatever it sends now (its lookup's answer is never used),
    and a secret key spends a cost point per request (until queries are costed). The checks run
    beside the lookup, so they add no round trip; a token this process has not seen succeed from
    this address waits for the address's other unknown tokens (`KnownTokens`), and only those
    are checked against the address's failures (a known key is no guess). The tightest
    verdict is left in the scope's state (`VERDICT`) for the response headers."""
    known = rate_limits(connection).known_tokens
    settings: Settings = connection.app.state.settings
    address = client_address(connection, settings.trusted_proxies) or "unknown"
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
) -> tuple[Principal, Verdict | None]:
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


async def authenticate(token: str) -> Principal:
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


async def authenticate_token(token: str, callers: CallerCache | None = None) -> Principal:
    """The caller behind a bearer token: a session token or an API key (no limits); from
    `callers` when it has seen the token a moment ago."""
    if callers is not None:
        remembered = callers.get(token)
        if remembered is not None:
            return remembered
    if token.startswith(SESSION_PREFIX):
        principal = await authenticate_session(token)
    else:
        principal = await authenticate_key(token)
    if callers is not None:
        callers.put(token, principal)
    return principal


def callers_of(connection: HTTPConnection) -> CallerCache | None:
    """The serving app's caller cache (apps built by `create_app` have one)."""
    callers: CallerCache | None = getattr(connection.app.state, "callers", None)
    return callers
