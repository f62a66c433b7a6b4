"""A client for hostile requests: bodies are sent as ASCII-escaped JSON, so lone surrogates and
NUL reach the server exactly as a raw client would send them (httpx's own `json=` cannot)."""

import json
from typing import Any

from tests.support.api import Api, Result

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def ask(
    api: Api,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    accept: str = GRAPHQL_RESPONSE,
) -> Result:
    headers = {"accept": accept, "content-type": "application/json"}
    if key is not None:
        headers["authorization"] = f"Bearer {key}"
    body = json.dumps({"query": query, "variables": variables or {}})
    response = await api.client.post("/graphql", content=body.encode("ascii"), headers=headers)
    return Result(
        status=response.status_code,
        body=response.json(),
        content_type=response.headers.get("content-type", ""),
    )
