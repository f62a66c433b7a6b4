"""What the schema needs from a request's context, as protocols: the server layer provides them
(server/context.py), so the schema never imports the server.

`Reader` is what reading records needs, and all that a reader outside a request provides (the
webhook worker reads one conversation per delivery, server/webhooks/bodies.py); `Context` adds
what only writes and subscriptions use, which a request or a socket provides."""

from typing import Protocol

import strawberry

from resolvers.callers.caller import Caller
from resolvers.limits.bounds import Bounds
from resolvers.loaders import Loaders
from resolvers.webhook import WebhookSettings
from subscriptions.live import Live


class Reader(Protocol):
    @property
    def loaders(self) -> Loaders:
        """The DataLoaders of the current operation."""

    def caller(self) -> Caller:
        """The authenticated key; UNAUTHENTICATED when there is none or it is not valid."""

    def reader(self) -> Caller:
        """A key allowed to read this workspace's records."""

    def forget_loaders(self) -> None:
        """Starts the next operation with empty DataLoaders."""

    async def take_points(self, points: int) -> None:
        """Spends a secret key's cost points for this minute; RATE_LIMITED past the budget."""


class Context(Reader, Protocol):
    @property
    def bounds(self) -> Bounds:
        """The write path's bounds (sizes, counts, timeouts)."""

    @property
    def webhooks(self) -> WebhookSettings:
        """Where webhooks may be sent (`PARLEY_WEBHOOK_*`)."""

    @property
    def origin(self) -> str | None:
        """The page that sent the request, as the browser reports it."""

    async def limit_widget_start(self, caller: Caller) -> None:
        """RATE_LIMITED when a widget starts too many conversations."""

    async def limit_widget_send(self, caller: Caller) -> None:
        """RATE_LIMITED when a widget session sends too many messages."""

    @property
    def live(self) -> Live:
        """This process's live feeds and counts."""

    async def still_authorized(self) -> bool:
        """Whether a long-lived socket's token still authenticates."""

    def close_socket(self, code: int, reason: str) -> None:
        """Closes the websocket this context belongs to, without waiting; no-op over HTTP."""


Info = strawberry.Info[Context, None]
"""The `info` every resolver of this schema receives."""
