"""GraphQL over HTTP as the GraphQL-over-HTTP spec describes it, on strawberry's ASGI view.

Clients that accept `application/graphql-response+json` get it, with 400 for requests that never
reached execution (syntax, validation, variables); others get `application/json` with 200.
"""

from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter  # type: ignore[attr-defined]
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from server.context import Context, build_context
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


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never executed: every error is about the request itself."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportHandler
    ping_interval: float = 20.0
    """Seconds of silence after which the server pings a websocket."""
    pong_timeout: float = 10.0
    """Seconds a pinged websocket has to answer before it is closed."""

    async def on_ws_connect(self, context: Context) -> UnsetType:
        await connect(context)
        no_payload: UnsetType = UNSET  # a connection_ack without payload
        return no_payload

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        authorization = request.headers.get("authorization")
        return await build_context(request, response, request.app.state.settings, authorization)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        request.state.sub_response = sub_response
        return sub_response

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if negotiate(request.headers.get("accept")) is None:
            raise HTTPException(406, f"Accept {GRAPHQL_RESPONSE_JSON} or {JSON}.")
        return await super().parse_http_body(request)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """GET carries queries only: a mutation over GET is 405, as the spec says."""
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, error.reason) from error
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response_data = await super().process_result(request, result)
        media_type = negotiate(request.headers.get("accept")) or JSON
        sub_response: Response = request.state.sub_response
        sub_response.media_type = media_type
        if is_request_error(result):
            response_data.pop("data", None)
            if media_type == GRAPHQL_RESPONSE_JSON:
                sub_response.status_code = 400
        return response_data

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
