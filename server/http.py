"""GraphQL over HTTP as the GraphQL-over-HTTP spec describes it, on strawberry's ASGI view.

Clients that accept `application/graphql-response+json` get it, with 400 for requests that never
reached execution (syntax, validation, variables); others get `application/json` with 200.
A request that cannot be read as GraphQL at all (its body, content type, method or Accept header)
answers with a GraphQL error body too, code BAD_USER_INPUT, and 400, 405, 406 or 415. One the
database failed as a whole (every error UNAVAILABLE, no data) answers 503 with Retry-After.
A request may name its query by hash instead (automatic persisted queries, server/persisted.py).
"""

import json
from collections.abc import Coroutine
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter  # type: ignore[attr-defined]
from strawberry.http.base import BaseRequestProtocol
from strawberry.http.types import QueryParams
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from resolvers.errors import Unavailable
from schema.policy.cache import DocumentCache
from schema.policy.errors import classify
from schema.schema import ParleySchema
from server import graphiql
from server.context import Context, build_context
from server.edge.cors import check_request_origin
from server.edge.refusal import STATUS_OF_CODE, error_body
from server.persisted import NOT_CACHED, PersistedQueryNotFound, requested_digest, resolve
from server.websocket import TransportHandler, connect

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither JSON type."""
    if not accept:
        return JSON
    kinds = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    if GRAPHQL_RESPONSE_JSON in kinds:
        return GRAPHQL_RESPONSE_JSON
    if kinds & {JSON, "application/*", "*/*"}:
        return JSON
    return None


def request_data(data: object, documents: DocumentCache) -> GraphQLRequestData:
    """The one operation a decoded body or query string describes, or 400 saying what is wrong;
    a persisted query's hash is resolved from `documents`."""
    if isinstance(data, list):
        raise HTTPException(400, "Batching is not enabled: send one operation per request.")
    if not isinstance(data, dict):
        raise HTTPException(400, "The request must be a JSON object with a `query`.")
    fields = {"query": str, "variables": dict, "operationName": str, "extensions": dict}
    for name, kind in fields.items():
        if data.get(name) is not None and not isinstance(data[name], kind):
            what = "a string" if kind is str else "an object"
            raise HTTPException(400, f"`{name}` must be {what} or null.")
    query = data.get("query") or None
    digest = requested_digest(data.get("extensions"))
    if digest is not None:
        query = resolve(digest, query, documents)
    if not query:
        raise HTTPException(400, "No GraphQL query found in the request.")
    return GraphQLRequestData(
        query=query,
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
        protocol="http",
    )


def with_code(error: GraphQLError) -> GraphQLError:
    """Errors raised while parsing escape the schema's error policy: classify them here."""
    return error if (error.extensions or {}).get("code") else classify(error)


def unavailable(result: ExecutionResult) -> int | None:
    """Seconds to wait before retrying, when the database failed the whole request: every error
    is UNAVAILABLE and no field has data (a key the process had cached got past the gate)."""
    errors = result.errors or []
    extensions = [error.extensions or {} for error in errors]
    if not errors or any(found.get("code") != Unavailable.code for found in extensions):
        return None
    if any(value is not None for value in (result.data or {}).values()):
        return None
    return max(int(str(found.get("retryAfter", 1))) for found in extensions)


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never executed: every error is about the request itself."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportHandler

    async def render_graphql_ide(self, request: Request) -> Response:
        """Parley's own GraphiQL page (server/graphiql.py), not strawberry's CDN one."""
        return graphiql.page_response()

    ping_interval: float = 20.0
    """Seconds of silence after which the server pings a websocket."""
    pong_timeout: float = 10.0
    """Seconds a pinged websocket has to answer before it is closed."""

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        """Not a coroutine function itself: a socket, served for as long as it is open, holds
        no frame of this one (each costs every idle socket a few hundred bytes)."""
        if scope["type"] != "http":
            return super().__call__(scope, receive, send)
        return self._serve_http(scope, receive, send)

    async def _serve_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = self.refusal(request, error.status_code, error.reason)
        except PersistedQueryNotFound as missing:
            # 200, as Apollo answers it: clients read the code and resend with the query.
            response = self.refusal(request, 200, missing.message, missing.code)
            response.headers.update(NOT_CACHED)
        await response(scope, receive, send)

    def refusal(
        self, request: Request, status: int, message: str, code: str | None = None
    ) -> Response:
        """A request refused before GraphQL could run, in a GraphQL error body."""
        code = code or ("NOT_FOUND" if status == 404 else "BAD_USER_INPUT")
        media_type = negotiate(request.headers.get("accept")) or JSON
        return Response(error_body(code, message), status_code=status, media_type=media_type)

    @property
    def documents(self) -> DocumentCache:
        """The schema's cache of valid documents, which also keeps the persisted queries."""
        schema = self.schema
        assert isinstance(schema, ParleySchema)
        return schema.documents.cache

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A GET naming a persisted query is a query, not a browser asking for GraphiQL (the gate
        decides alike, so it is authenticated)."""
        params = request.query_params
        return "extensions" not in params and super().should_render_graphql_ide(request)

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """Every origin may open a socket: no cookies are used, so a page acts only with a token
        it holds, and `connect` checks that token against the page's origin (4403)."""
        return True

    async def on_ws_connect(self, context: Context) -> UnsetType:
        await connect(context)
        no_payload: UnsetType = UNSET  # a connection_ack without payload
        return no_payload

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        context = await build_context(request, response, request.app.state.settings)
        await check_request_origin(context)
        return context

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        request.state.sub_response = sub_response
        return sub_response

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if negotiate(request.headers.get("accept")) is None:
            raise HTTPException(406, f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}.")
        if request.method == "GET":
            return request_data(self.parse_query_params(request.query_params), self.documents)
        content_type = (request.content_type or "").split(";", 1)[0].strip().lower()
        if content_type != JSON:
            raise HTTPException(415, f"Send the request as {JSON}.")
        return request_data(self.parse_json(await request.get_body()), self.documents)

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        return super().parse_query_params(params) if params else {}

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except json.JSONDecodeError as error:
            raise HTTPException(400, f"The request is not valid JSON: {error.msg}.") from None

    def decode_json(self, data: str | bytes) -> object:
        """Strict UTF-8 JSON; too deep a nesting is a decoding error, not a RecursionError
        (websocket messages are decoded here too, and their errors close with 4400)."""
        try:
            text = data.decode() if isinstance(data, bytes) else data
        except UnicodeDecodeError:
            raise json.JSONDecodeError("the body is not UTF-8", "", 0) from None
        try:
            return json.loads(text)
        except RecursionError:
            raise json.JSONDecodeError("it is nested too deeply", "", 0) from None

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """GET carries queries only: a mutation over GET is 405, as the spec says. A query sent
        with its hash is remembered once it ran, if its document was valid (and so cached)."""
        try:
            result = await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, error.reason) from error
            raise
        data: GraphQLRequestData = kwargs["request_data"]
        digest = requested_digest(data.extensions)
        if digest is not None and data.query is not None:
            self.documents.persist(digest, data.query)  # request_data checked the hash
        return result

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        result.errors = [with_code(error) for error in result.errors or []] or None
        response_data = await super().process_result(request, result)
        media_type = negotiate(request.headers.get("accept")) or JSON
        sub_response: Response = request.state.sub_response
        sub_response.media_type = media_type
        if is_request_error(result):
            response_data.pop("data", None)
            if media_type == GRAPHQL_RESPONSE_JSON:
                sub_response.status_code = 400
        elif (retry_after := unavailable(result)) is not None:
            # As the gate answers when the database fails authentication, whatever the media type.
            sub_response.status_code = STATUS_OF_CODE[Unavailable.code]
            sub_response.headers["retry-after"] = str(retry_after)
        return response_data

    def encode_json(self, data: object) -> str:
        """orjson: several times faster than the standard library on a page of rows, over HTTP
        and websockets alike (text: the websocket sends what this returns, and
        graphql-transport-ws speaks in text frames). A value it cannot encode (an integer past 64
        bits inside a JSON variable) falls back to the standard library, which can."""
        try:
            return orjson.dumps(data).decode()
        except TypeError:
            return json.dumps(data, separators=(",", ":"))

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = Response(
            self.encode_json(response_data),
            status_code=sub_response.status_code or 200,
            media_type=sub_response.media_type or JSON,
        )
        response.headers.raw.extend(
            (key, value) for key, value in sub_response.headers.raw if key != b"content-type"
        )
        return response
