"""The outbound guard against SSRF: http(s) only, and every address of the host must be global.

A URL is checked when it is registered and again, resolved afresh, before every attempt; the
request then goes to the checked address itself (Host header and TLS SNI keep the name), so a
DNS answer that changes between the check and the connection cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Target", "UnsafeURL", "check", "pinned_url"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeURL(ValueError):
    """The URL may not be called: its message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where to connect, and under which name."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def _is_allowed(address: IPAddress, allowed: Sequence[str]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback, whatever its spelling
    if any(address in ipaddress.ip_network(net, strict=False) for net in allowed):
        return True
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURL(f"the host {host!r} does not resolve ({exc})") from None
    # getaddrinfo's sockaddr[0] is always the textual address; a scope id (%eth0) is dropped.
    found = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
    return tuple(sorted(found, key=lambda a: (a.version, int(a))))


def check(url: str, *, allowed_networks: Sequence[str]) -> Target:
    """The URL resolved and checked, or ``UnsafeURL`` saying what is wrong with it."""
    if any(ch <= " " or ch == "\x7f" for ch in url):
        raise UnsafeURL("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnsafeURL("only http and https URLs are allowed")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("credentials in the URL are not allowed; deliveries are signed instead")
    if parts.fragment:
        raise UnsafeURL("a fragment is never sent; leave it out")
    if port == 0:
        raise UnsafeURL("port 0 is no port a receiver listens on; leave it out for the default")
    host = parts.hostname
    port = port or _DEFAULT_PORTS[scheme]
    addresses = _resolve(host, port)
    refused = [str(a) for a in addresses if not _is_allowed(a, allowed_networks)]
    if refused or not addresses:
        raise UnsafeURL(
            f"the host {host!r} resolves to a non-public address ({', '.join(refused)})"
        )
    return Target(url=url, scheme=scheme, host=host, port=port, addresses=addresses)


def pinned_url(target: Target, address: IPAddress) -> tuple[str, str]:
    """The URL with its host replaced by ``address``, and the Host header to send with it."""
    parts = urlsplit(target.url)
    literal = f"[{address}]" if address.version == 6 else str(address)
    named = f"[{target.host}]" if ":" in target.host else target.host
    default = _DEFAULT_PORTS[target.scheme]
    host_header = named if target.port == default else f"{named}:{target.port}"
    netloc = f"{literal}:{target.port}"
    return urlunsplit((target.scheme, netloc, parts.path or "/", parts.query, "")), host_header
