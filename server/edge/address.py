"""The client's address: the direct peer, or what `X-Forwarded-For` says when that peer is a proxy
listed in PARLEY_TRUSTED_PROXIES. Every limit keyed by address asks `client_address`."""

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def trusted_networks(proxies: str) -> tuple[Network, ...]:
    """`10.0.0.1, 192.168.0.0/16, ::1` as networks; ValueError names a bad entry."""
    networks = []
    for item in proxies.split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"PARLEY_TRUSTED_PROXIES: {item.strip()!r} is not an IP address or CIDR"
                ) from None
    return tuple(networks)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(connection: HTTPConnection, proxies: str) -> str | None:
    """The peer, unless it is a trusted proxy: then the last `X-Forwarded-For` hop that is not
    one (hops a client wrote itself sit to the left of what the proxies appended)."""
    peer = connection.client.host if connection.client else None
    networks = trusted_networks(proxies)
    if peer is None or not networks or not _trusted(peer, networks):
        return peer
    hops = [
        hop.strip()
        for header in connection.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else peer
