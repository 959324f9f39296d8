"""Who is on the other end of a request behind a reverse proxy.

A proxy in front of Lessons KB (nginx, Caddy, oauth2-proxy) connects from its own address and
names the browser's in `X-Forwarded-For` (and `https` in `X-Forwarded-Proto`). Those headers are
believed only from `KB_TRUSTED_PROXIES` (from this machine when that is empty), and then the
browser's address becomes the request's client (what the audit log records and sign-in pauses
count) while the proxy's own address stays in the scope as the peer: the single sign-on header
is believed by the peer, so a local proxy that forwards the browser's address still signs people
in. Uvicorn's own proxy handling is off for that reason (`SERVER_OPTIONS` in web.app): it
replaces the client without keeping the peer.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

PEER = "kb.peer"
"""The request scope key holding the (host, port) that connected: the proxy, behind one."""
THIS_MACHINE = "127.0.0.1, ::1"


class ForwardedHeaders:
    def __init__(self, app, trusted: str) -> None:
        self.app = app
        self.trusted = trusted.strip() or THIS_MACHINE

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope[PEER] = peer = scope.get("client")
            if peer and is_trusted(peer[0], self.trusted):
                forwarded(scope, self.trusted)
        await self.app(scope, receive, send)


def forwarded(scope, trusted: str) -> None:
    """Take the client and scheme from a trusted proxy's X-Forwarded-For and -Proto."""
    hops: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            hops += [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
        elif name == b"x-forwarded-proto":
            proto = value.decode("latin-1").strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
    # Each proxy appends the address it was reached from: the nearest one not trusted is the
    # browser (anything left of it was written by the browser itself and proves nothing). A hop
    # that is no address ("unknown", garbage) ends the walk: the proxy is then the client.
    addresses = [address_of(hop) for hop in hops]
    for address in reversed(addresses):
        if address is None:
            return
        if not is_trusted(address, trusted):
            scope["client"] = (address, 0)
            return
    if addresses:
        scope["client"] = (addresses[0], 0)


def address_of(hop: str) -> str | None:
    """An X-Forwarded-For entry as an IP address ("203.0.113.5", "203.0.113.5:4711", "[2001:db8::1]:80"),
    or None."""
    text = hop.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def peer(scope) -> tuple[str, int] | None:
    """The address that connected (a proxy's, behind one)."""
    return scope[PEER] if PEER in scope else scope.get("client")


def from_trusted_proxy(scope, trusted: str) -> bool:
    """Whether the request was sent by one of `trusted` (the addresses or networks of KB_TRUSTED_PROXIES)."""
    connected = peer(scope)
    return bool(connected and trusted.strip()) and is_trusted(connected[0], trusted)


def is_trusted(host: str, trusted: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in _networks(trusted))


@lru_cache(maxsize=8)
def _networks(trusted: str) -> tuple:
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in trusted.split(",") if part.strip())
