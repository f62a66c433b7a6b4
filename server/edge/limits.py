"""The limits of the public edge as one request meets them: the app's `RateLimits`, where a
request's state keeps what authentication found, and the `RateLimit-*` headers."""

from starlette.requests import HTTPConnection
from starlette.responses import Response

from resolvers.limits.limiter import Verdict
from resolvers.limits.ratelimits import RateLimits

VERDICT = "rate_verdict"
"""Where a request's scope state keeps the tightest rate-limit verdict met before the context."""
POINTS_SUBJECT = "rate_points_subject"
"""Where it keeps whose cost points the request spends (a secret key's digest)."""


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
