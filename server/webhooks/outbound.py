"""Requests Parley makes to URLs its users gave it (webhooks), guarded against reaching inside.

The guard sits where connections are made (httpcore's network backend): the host is resolved
once, every address it resolves to is checked (loopback, private, link-local, metadata, …; see
resolvers/webhook.py `forbidden_address`), and the connection goes to a checked address, so a
name that resolves differently a moment later (DNS rebinding) cannot slip past. TLS still
verifies the certificate for the URL's host name. Each redirect hop connects through the same
guard, and redirects are followed only for endpoints that ask. An answer's body is read up to a
small limit, and every request has one deadline for all of it.
"""

import asyncio
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpcore

from resolvers.errors import BadUserInput
from resolvers.webhook import ALLOW_PRIVATE, WebhookSettings, check_url, forbidden_address

REDIRECTS = (301, 302, 303, 307, 308)


class RefusedAddress(httpcore.ConnectError):
    """The host resolves to an address webhooks may not reach."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, allow_private: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore calls it so)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        if not self._allow_private and any(forbidden_address(each) for each in addresses):
            raise RefusedAddress(
                f"{host} resolves to an address webhooks may not reach ({ALLOW_PRIVATE}=true "
                "allows loopback and private addresses)"
            )
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as error:
                last = error
        raise httpcore.ConnectError(str(last))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore calls it so)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddress("webhooks are sent over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass(frozen=True)
class Answer:
    status: int | None
    """None when no answer came."""
    latency_ms: int
    error: str | None = None
    retry_after_seconds: float | None = None
    body: bytes = b""
    """What was read of the answer's body (up to `max_response_bytes`)."""


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class Outbound:
    """One connection pool for a process's webhook requests."""

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self._pool = httpcore.AsyncConnectionPool(
            network_backend=GuardedBackend(settings.allow_private),
            max_connections=256,
            keepalive_expiry=30.0,
        )

    async def close(self) -> None:
        await self._pool.aclose()

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], follow_redirects: bool
    ) -> Answer:
        """POSTs `body`; the answer's status (a redirect is followed only when asked, each hop
        checked), or why none came. Never raises for the receiver's sake."""
        began = time.monotonic()
        sent = [(name.encode(), value.encode()) for name, value in headers.items()]
        sent += [(b"content-type", b"application/json"), (b"user-agent", b"Parley-Webhooks/1")]
        timeout = self.settings.timeout_seconds
        extensions = {
            "timeout": {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
        }

        def took() -> int:
            return int((time.monotonic() - began) * 1000)

        try:
            async with asyncio.timeout(timeout):
                for _hop in range(self.settings.max_redirects + 1):
                    async with self._pool.stream(
                        "POST", url, headers=sent, content=body, extensions=extensions
                    ) as response:
                        status = response.status
                        got = {
                            name.decode("latin-1").lower(): value.decode("latin-1")
                            for name, value in response.headers
                        }
                        read = bytearray()
                        async for chunk in response.aiter_stream():
                            read += chunk
                            if len(read) >= self.settings.max_response_bytes:
                                break  # the rest is not ours to read
                    location = got.get("location")
                    if status in REDIRECTS and location:
                        target = urljoin(url, location)
                        if not follow_redirects:
                            return Answer(status, took(), f"redirect to {target} not followed")
                        try:
                            url = check_url(target, self.settings)
                        except BadUserInput as refused:
                            return Answer(status, took(), f"redirect refused: {refused.message}")
                        continue
                    body = bytes(read[: self.settings.max_response_bytes])
                    waited = retry_after(got.get("retry-after"))
                    return Answer(status, took(), None, waited, body)
                return Answer(None, took(), "too many redirects")
        except TimeoutError:
            return Answer(None, took(), f"no answer within {timeout:g} s")
        except RefusedAddress as refused:
            return Answer(None, took(), str(refused))
        except httpcore.TimeoutException as error:
            return Answer(None, took(), f"timed out: {type(error).__name__}")
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as e:
            return Answer(None, took(), f"{type(e).__name__}: {e}"[:300])
