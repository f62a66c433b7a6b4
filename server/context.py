"""What every resolver gets as `info.context`: the caller and the request's DataLoaders.

It provides what `schema.context.Context` asks for; the schema sees it only through that protocol.
"""

import asyncio
import time
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from resolvers.apikey import authenticate_key
from resolvers.auth import CallerKind, Principal
from resolvers.bounds import Bounds
from resolvers.errors import ParleyError, Unauthenticated
from resolvers.loaders import Loaders
from resolvers.ratelimit import WidgetLimits
from resolvers.session import PREFIX as SESSION_PREFIX
from resolvers.session import authenticate_session
from server.settings import Settings
from subscriptions.live import Live

RECHECK_SECONDS = 1.0
_closing: set[asyncio.Task[None]] = set()
"""Close tasks in flight, held so they are not collected before they run."""
_MISSING_KEY = "Missing API key: send the header `Authorization: Bearer <key>`."


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
    _checked_at: float = field(default=0.0, repr=False)
    _loaders: Loaders | None = field(default=None, repr=False)

    def caller(self) -> Principal:
        """The authenticated key; UNAUTHENTICATED when there is none or it is not valid."""
        if self.principal is None:
            raise self.auth_error or Unauthenticated(_MISSING_KEY)
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

    def limit_widget_start(self, caller: Principal) -> None:
        """RATE_LIMITED when one widget key starts too many conversations from one address;
        servers holding secret keys are not limited."""
        if caller.kind is CallerKind.PUBLISHABLE:
            address = self.request.client.host if self.request.client else None
            self._widget_limits.starts.take((caller.key_id, address), "conversations started")

    def limit_widget_send(self, caller: Principal) -> None:
        """RATE_LIMITED when one widget session sends too many messages."""
        if caller.kind is CallerKind.SESSION:
            self._widget_limits.messages.take(caller.conversation_id, "messages sent")

    @property
    def _widget_limits(self) -> WidgetLimits:
        limits: WidgetLimits = self.request.app.state.widget_limits
        return limits

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
        session tokens stop streaming); checked at most once a second."""
        now = time.monotonic()
        if self.token is None or now - self._checked_at < RECHECK_SECONDS:
            return True
        self._checked_at = now
        try:
            await authenticate(self.token)
        except ParleyError:
            return False
        return True

    @property
    def loaders(self) -> Loaders:
        if self._loaders is None:
            self._loaders = Loaders(self.caller().workspace_id)
        return self._loaders


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else ""


async def build_context(
    request: Request | WebSocket,
    response: Response | WebSocket | None,
    settings: Settings,
    authorization: str | None,
) -> Context:
    """Authenticates once per request: over HTTP the gate (server/gate.py) already has, and left
    the caller in the request's state; a bad key is reported by the fields that need a key."""
    context = Context(request=request, response=response, settings=settings)
    gated = request.scope.get("state", {})
    if "principal" in gated:
        context.principal = gated["principal"]
        context.token = gated.get("token")
        return context
    token = bearer_token(authorization)
    if token is None:
        return context
    if not token:
        context.auth_error = Unauthenticated("Malformed Authorization header: use `Bearer <key>`.")
        return context
    try:
        context.principal = await authenticate(token)
    except ParleyError as error:
        context.auth_error = error
    return context


async def authenticate(token: str) -> Principal:
    """The caller behind a bearer token: a session token or an API key."""
    if token.startswith(SESSION_PREFIX):
        return await authenticate_session(token)
    return await authenticate_key(token)
