"""A bearer token's caller: a session token (resolvers/session.py) or an API key
(resolvers/apikey.py), from the cache when it authenticated a moment ago. No limits here: the edge
holds each request and socket to its own (server/edge/authentication.py)."""

from resolvers.apikey import authenticate_key
from resolvers.callers.cache import CallerCache
from resolvers.callers.caller import Caller
from resolvers.session import PREFIX as SESSION_PREFIX
from resolvers.session import authenticate_session


async def authenticate_token(token: str, callers: CallerCache | None = None) -> Caller:
    """The caller behind a bearer token: a session token or an API key (no limits); from
    `callers` when it has seen the token a moment ago."""
    if callers is not None:
        remembered = callers.get(token)
        if remembered is not None:
            return remembered
    if token.startswith(SESSION_PREFIX):
        caller = await authenticate_session(token)
    else:
        caller = await authenticate_key(token)
    if callers is not None:
        callers.put(token, caller)
    return caller
