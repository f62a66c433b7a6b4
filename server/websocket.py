"""`graphql-transport-ws` as the protocol asks, plus what strawberry leaves out: the key comes in
`connection_init` (a bad one closes with 4403), the server pings idle sockets and closes dead ones
(server/heartbeat.py), and an unexpected failure closes with 4500 instead of leaving the socket
hanging. Messages go out as text frames, as the protocol's clients expect, whatever the view's
JSON encoder returns."""

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Iterator

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    Message,
    SubscribeMessage,
)

from resolvers.errors import ParleyError, RateLimited, database_failure
from resolvers.limits.socketleases import LEASE_SECONDS
from schema.frames import DirectFrames, Send
from schema.frames import current as direct_frames
from schema.live import UNAVAILABLE_REASON
from server.context import Context
from server.edge.authentication import authenticate, bearer_token
from server.edge.cors import check_token_origin
from server.sockets import REVOKED, OpenSockets
from subscriptions.closecodes import FORBIDDEN, INTERNAL, PONG_TIMEOUT, UNAVAILABLE

TOO_MANY_SOCKETS = 4429
"""The key or the address holds as many open sockets as allowed: close one, or retry later."""

logger = logging.getLogger("parley.websocket")


async def connect(context: Context) -> None:
    """Authenticates the socket from `connection_init`'s payload, or rejects it (4403), as it
    does a token the page's origin may not use; 4503 when the database cannot be read."""
    params, context.connection_params = context.connection_params or {}, None  # read once
    authorization = params.get("authorization") or params.get("Authorization")
    token = bearer_token(authorization if isinstance(authorization, str) else None)
    if not token:
        raise ConnectionRejectionError({"message": 'Send {"authorization": "Bearer <key>"}.'})
    with _refused_when_unavailable():
        try:
            context.principal = await authenticate(token)
            await check_token_origin(
                context.principal, context.origin, context.settings.http.cors_origins
            )
        except ParleyError as error:
            raise ConnectionRejectionError({"message": error.message}) from error
        context.token = token
        if not await context.hold_socket():
            raise SocketRefused(TOO_MANY_SOCKETS, "Too many open sockets for this key or address")
    sockets_of(context).add(context)


@contextlib.contextmanager
def _refused_when_unavailable() -> Iterator[None]:
    """A database that cannot be read while a socket is set up closes it with 4503 (retry),
    not 4500."""
    try:
        yield
    except Exception as error:
        if database_failure(error) is None:
            raise
        raise SocketRefused(UNAVAILABLE, UNAVAILABLE_REASON) from error


def sockets_of(context: Context) -> OpenSockets:
    sockets: OpenSockets = context.request.app.state.sockets
    return sockets


class SocketRefused(Exception):
    """Closes a socket being set up with `code` (strawberry's own rejection is always 4403)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _well_formed_subscribe(message: Message) -> bool:
    payload = message.get("payload")
    return (
        isinstance(message.get("id"), str)
        and isinstance(payload, dict)
        and isinstance(payload.get("query"), str)
        and isinstance(payload.get("variables") or {}, dict)
    )


class TransportHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Reads `ping_interval` and `pong_timeout` (seconds) from its view."""

    def on_request_accepted(self) -> None:
        super().on_request_accepted()
        self.last_heard = asyncio.get_running_loop().time()
        sockets_of(self.context).heartbeat.add(self, self._periods)

    def _periods(self) -> tuple[float, float]:
        interval = float(getattr(self.view, "ping_interval", 20.0))
        return interval, float(getattr(self.view, "pong_timeout", 10.0))

    async def ping(self) -> None:
        with contextlib.suppress(WebSocketDisconnected, WebSocketDisconnect, RuntimeError):
            await self.send_message({"type": "ping"})

    async def close_dead(self) -> None:
        with contextlib.suppress(WebSocketDisconnected, WebSocketDisconnect, RuntimeError):
            await self.websocket.close(code=PONG_TIMEOUT, reason="No pong")

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """Runs in the operation's own task: a subscription may write its later frames itself
        (schema/frames.py), unless compiled plans are off (the executor then does everything)."""
        plans = getattr(self.schema, "plans", None)
        if plans is not None and plans.enabled:
            direct_frames.set(DirectFrames(operation.id, self._direct_sender(operation.id)))
        await super().run_operation(operation)

    def _direct_sender(self, operation_id: str) -> Send:
        """Sends a message of the operation while it runs. It holds the socket weakly: tasks
        and timers started during the operation (a pooled connection's, say) keep a copy of its
        context, and must not keep a closed socket's buffers alive with it."""
        handler = weakref.ref(self)

        async def send(message: Message) -> bool:
            socket = handler()
            operation = socket.operations.get(operation_id) if socket is not None else None
            if operation is None:
                return False
            try:
                await operation.send_operation_message(message)
            except WebSocketDisconnected:
                return False
            return True

        return send

    async def send_message(self, message: Message) -> None:
        if (frames := direct_frames.get()) is not None:
            frames.saw(message)
        encoded = self.view.encode_json(message)
        text = encoded.decode() if isinstance(encoded, bytes) else encoded
        socket = self.websocket.ws  # type: ignore[attr-defined]
        try:
            await socket.send_text(text)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error

    async def handle_message(self, message: Message) -> None:
        self.last_heard = asyncio.get_running_loop().time()
        if message.get("type") == "subscribe" and not _well_formed_subscribe(message):
            await self.handle_invalid_message("Invalid subscribe message")
            return
        if message.get("type") == "subscribe" and not await self.context.still_authorized():
            # Every operation re-checks its caller: a revoked key runs nothing more.
            await self.websocket.close(code=FORBIDDEN, reason=REVOKED)
            return
        try:
            await super().handle_message(message)
            if message.get("type") == "connection_init":
                self.connection_init_timeout_task = None  # cancelled: hold nothing of it
        except WebSocketDisconnected:
            raise  # the client left: nothing went wrong here
        except SocketRefused as refused:
            await self.websocket.close(code=refused.code, reason=refused.reason)
        except Exception:
            logger.exception("websocket message failed")
            await self.websocket.close(code=INTERNAL, reason="Internal server error")

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Past the view's cap of running operations, the new one gets RATE_LIMITED (strawberry
        answers the same case without a code)."""
        cap = self.max_subscriptions_per_connection
        if (
            cap is not None
            and self.connection_acknowledged
            and message["id"] not in self.operations
            and len(self.operations) >= cap
        ):
            text = f"This socket runs {cap} operations already: complete one first."
            error = GraphQLError(text, extensions={"code": RateLimited.code, "retryAfter": 1})
            refusal: ErrorMessage = {
                "id": message["id"],
                "type": "error",
                "payload": [error.formatted],
            }
            await self.send_message(refusal)
            return
        await super().handle_subscribe(message)

    async def shutdown(self) -> None:
        """Releases every operation of the socket and what it holds, whatever fails."""
        sockets = sockets_of(self.context)
        sockets.heartbeat.discard(self)
        sockets.discard(self.context)
        try:
            await self.context.release_socket()
        except Exception as error:  # its leases run out by themselves
            failure = database_failure(error)
            if failure is None:
                raise
            logger.warning(
                "could not give back a socket's leases (%s); they run out in %.0f s",
                failure.code,
                LEASE_SECONDS,
            )
        finally:
            await super().shutdown()
