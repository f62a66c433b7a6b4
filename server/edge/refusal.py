"""A request refused before it reaches GraphQL still answers as GraphQL does: a JSON body with
`errors[].extensions.code`, and the HTTP status that tells proxies and clients what happened."""

import json
from collections.abc import Mapping

from starlette.types import Send


def error_body(code: str, message: str, **extensions: object) -> bytes:
    return json.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    ).encode()


async def refuse(
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    **extensions: object,
) -> None:
    """Sends the whole refusal on a raw ASGI channel (middleware has no Response to return)."""
    body = error_body(code, message, **extensions)
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


STATUS_OF_CODE = {
    "BAD_USER_INPUT": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "RATE_LIMITED": 429,
    "QUERY_TOO_COMPLEX": 400,
    "TIMEOUT": 504,
    "UNAVAILABLE": 503,
}
"""The HTTP status of a request refused as a whole with this code."""
