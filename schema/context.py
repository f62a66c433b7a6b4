"""What the schema needs from a request's context, as a protocol: the server layer provides it
(server/context.py), so the schema never imports the server."""

from typing import Protocol

import strawberry

from resolvers.callers.caller import Caller
from resolvers.limits.bounds import Bounds
from resolvers.loaders import Loaders
from resolvers.webhook import WebhookSettings
from subscriptions.live import Live


class Context(Protocol):
    @property
    def bounds(self) -> Bounds:
        """The write path's bounds (sizes, counts, timeouts)."""

    @property
    def webhooks(self) -> WebhookSettings:
        """Where webhooks may be sent (`PARLEY_WEBHOOK_*`)."""

    @property
    def live(self) -> Live:
        """This process's live feeds and counts."""

    @property
    def origin(self) -> str | None:
        """The page that sent the request, as the browser reports it."""

    @property
    def loaders(self) -> Loaders:
        """The DataLoaders of the current operation."""

    def caller(self) -> Caller:
        """The authenticated key; UNAUTHENTICATED when there is none or it is not valid."""

    def reader(self) -> Caller:
        """A key allowed to read this workspace's records."""

    def forget_loaders(self) -> None:
        """Starts the next operation with empty DataLoaders."""

    async def limit_widget_start(self, caller: Caller) -> None:
        """RATE_LIMITED when a widget starts too many conversations."""

    async def limit_widget_send(self, caller: Caller) -> None:
        """RATE_LIMITED when a widget session sends too many messages."""

    async def take_points(self, points: int) -> None:
        """Spends a secret key's cost points for this minute; RATE_LIMITED past the budget."""

    async def still_authorized(self) -> bool:
        """Whether a long-lived socket's token still authenticates."""

    def close_socket(self, code: int, reason: str) -> None:
        """Closes the websocket this context belongs to, without waiting; no-op over HTTP."""


Info = strawberry.Info[Context, None]
"""The `info` every resolver of this schema receives."""
