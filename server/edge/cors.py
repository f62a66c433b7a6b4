"""Browser access: CORS for bearer-token requests, and which origins may use which tokens.

No cookies are used, so a cross-origin page can act only with a token it already holds: any origin
may send a preflight, and the token's own origin rule is the gate. Widget keys and session tokens
work from their assistant's allowed origins (any origin when it lists none); secret keys from any
origin, or only from `PARLEY_CORS_ORIGINS` when that is set. Requests without `Origin` come from
servers, not browsers: only a widget key of an assistant with allowed origins refuses them, as
`startConversation` always has.
"""

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from resolvers.assistant import get_assistant
from resolvers.callers.caller import Caller, CallerKind
from resolvers.errors import Forbidden, ParleyError
from server.context import Context

METHODS = ("GET", "POST")
EXPOSED_HEADERS = (
    "RateLimit",
    "RateLimit-Policy",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
)
"""Response headers a page's script may read, beyond the CORS-safelisted ones."""
MAX_AGE_SECONDS = 7200
"""How long a browser may reuse a preflight: Chromium's own cap."""


class CORS(CORSMiddleware):
    """Starlette's middleware set for bearer tokens on `path` only (other endpoints, such as
    operations' ones, stay unreadable to other origins' pages): every origin echoed with
    `Vary: Origin` (never `*`, never credentials), any requested header allowed (authorization,
    content-type and whatever a GraphQL client adds), GET and POST; a good preflight answers 204."""

    def __init__(self, app: ASGIApp, path: str = "/graphql") -> None:
        self.path = path
        super().__init__(
            app,
            allow_origin_regex=".*",
            allow_methods=METHODS,
            allow_headers=("*",),
            expose_headers=EXPOSED_HEADERS,
            max_age=MAX_AGE_SECONDS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 200:
            return response  # 400 naming what was refused (a method other than GET or POST)
        kept = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-length", "content-type")
        }
        return Response(status_code=204, headers=kept)


def _listed(origin: str | None, allowed: frozenset[str] | list[str]) -> bool:
    """Whether `Origin` (as browsers send it: scheme://host[:port]) is one of `allowed`, which are
    stored normalised the same way."""
    return (origin or "").lower() in allowed


async def check_token_origin(
    principal: Caller, origin: str | None, cors_origins: frozenset[str]
) -> None:
    """FORBIDDEN when this token may not be used from the page at `origin`."""
    if principal.kind is CallerKind.SECRET:
        if origin is not None and cors_origins and not _listed(origin, cors_origins):
            raise Forbidden("Secret keys may not be used from this page's origin.")
        return
    if principal.assistant_id is None or (principal.kind is CallerKind.SESSION and origin is None):
        return
    assistant = await get_assistant(principal.workspace_id, principal.assistant_id)
    if assistant.allowed_origins and not _listed(origin, assistant.allowed_origins):
        kind = "widget key" if principal.kind is CallerKind.PUBLISHABLE else "session token"
        raise Forbidden(origin_refused(origin, kind))


def origin_refused(origin: str | None, kind: str) -> str:
    """The refusal a page sees (the widget shows it), saying how its owner allows the page."""
    page = f"This page's origin ({origin})" if origin else "A request without an Origin"
    return (
        f"{page} may not use this {kind}: add the origin to the assistant's allowedOrigins "
        "(updateAssistant, with a secret key), or empty the list to allow any page."
    )


async def check_request_origin(context: Context) -> None:
    """Drops the caller of a request whose token may not be used from its `Origin`: every field
    that needs a caller then answers FORBIDDEN, as fields do for a bad key."""
    if context.principal is None:
        return
    try:
        await check_token_origin(
            context.principal, context.origin, context.settings.http.cors_origins
        )
    except ParleyError as error:
        context.principal = None
        context.auth_error = error
