"""What every resolver gets as `info.context`: the caller and the request's DataLoaders, the
limits this request spends and the socket it holds.

It provides what `schema.context.Context` asks for; the schema sees it only through that protocol.
Who the caller is was found before (server/edge/authentication.py); what limits are and how they are
reported, in server/edge/limits.py.
"""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from resolvers.callers.caller import Caller, CallerKind
from resolvers.callers.tokens import authenticate_token
from resolvers.database.replica import Replica
from resolvers.errors import ParleyError, Unauthenticated
from resolvers.limits.bounds import Bounds
from resolvers.limits.limiter import Verdict
from resolvers.loaders import Loaders
from resolvers.webhook import WebhookSettings
from server.edge.address import client_address
from server.edge.authentication import MISSING_KEY, callers_of
from server.edge.limits import POINTS_SUBJECT, VERDICT, rate_limits, write_headers
from server.settings import Settings
from subscriptions.live import Live

_closing: set[asyncio.Task[None]] = set()
"""Close tasks in flight, held so they are not collected before they run."""


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    settings: Settings
    principal: Caller | None = None
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

    def caller(self) -> Caller:
        """The authenticated key; UNAUTHENTICATED when there is none or it is not valid."""
        if self.principal is None:
            raise self.auth_error or Unauthenticated(MISSING_KEY)
        return self.principal

    def reader(self) -> Caller:
        """A key allowed to read this workspace's records."""
        return self.caller().require_reader()

    @property
    def live(self) -> Live:
        live: Live = self.request.app.state.live
        return live

    @property
    def replica(self) -> Replica | None:
        """The read replica, when one is configured: a query's reads may go there
        (schema/policy/replica.py)."""
        replica: Replica | None = getattr(self.request.app.state, "replica", None)
        return replica

    @property
    def bounds(self) -> Bounds:
        return self.settings.bounds

    @property
    def webhooks(self) -> WebhookSettings:
        return self.settings.webhooks

    @property
    def address(self) -> str:
        """The client's address (server/edge/address.py); `unknown` when the transport has none."""
        return client_address(self.request, self.settings.http.trusted_proxies) or "unknown"

    async def limit_widget_start(self, caller: Caller) -> None:
        """RATE_LIMITED when one widget key starts too many conversations from one address;
        servers holding secret keys spend cost points instead."""
        if caller.kind is CallerKind.PUBLISHABLE:
            verdict = await rate_limits(self.request).starts.take(f"{caller.key_id}:{self.address}")
            self.report(verdict, "conversations started")

    async def limit_widget_send(self, caller: Caller) -> None:
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
        process (resolvers/limits/socketleases.py); False, holding nothing, when either is full."""
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
                now - last[0] < self.settings.http.auth_cache_seconds
                or _hears_revocations(self.request)
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


async def build_context(
    request: Request | WebSocket,
    response: Response | WebSocket | None,
    settings: Settings,
) -> Context:
    """The context of a request or socket. Its caller is found once: over HTTP by the gate
    (server/edge/gate.py), which leaves it in the request's state (GraphiQL's page, the one request
    the gate lets through without a key, runs nothing); over a websocket by `connection_init`
    (server/websocket.py `connect`)."""
    context = Context(request=request, response=response, settings=settings)
    gated = request.scope.get("state", {})
    context.note(gated.get(VERDICT))
    if "principal" in gated:
        context.principal = gated["principal"]
        context.token = gated.get("token")
    return context
