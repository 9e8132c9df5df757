"""Where webhooks may go: public addresses only, unless an operator names a network.

A webhook URL is a request the server makes on an admin's behalf. Pointed at loopback, a private
range, a link-local address (cloud metadata at 169.254.169.254) or this machine's own ports, it
would let the API reach what only the server can reach, and the delivery log would tell which
ports answer. So every address a host name resolves to is checked when the webhook is created
and again at each delivery (a name may resolve elsewhere by then), and the delivery connects to
the address that was checked, not to a second answer of the resolver.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from steppe.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class DestinationRefused(InvalidInput):
    """A webhook URL whose host is not a public address (nor in the allowed networks)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A checked destination: the URL to connect to (its host replaced by the checked address),
    the Host header and TLS server name of the original URL."""

    url: str
    host_header: str
    server_name: str | None


def without_credentials(url: str) -> str:
    """The URL as it may be shown: any user and password removed."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


def _is_own(address: IPAddress) -> bool:
    """Whether the address belongs to this machine (binding to it works only then)."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((str(address), 0))
        except OSError:
            return False
    return True


class DestinationPolicy:
    """Checks webhook destinations; `allowed` networks are let through whatever they are."""

    def __init__(self, allowed: Sequence[IPNetwork] = ()) -> None:
        self.allowed = tuple(allowed)

    def _refusal(self, address: IPAddress) -> str | None:
        if any(address in network for network in self.allowed):
            return None
        mapped = getattr(address, "ipv4_mapped", None)
        if mapped is not None:
            return self._refusal(mapped)
        if not address.is_global or address.is_multicast:
            return f"{address} is not a public address"
        if _is_own(address):
            return f"{address} is this server's own address"
        return None

    async def resolve(self, parts: SplitResult) -> list[IPAddress]:
        """Every address the URL's host stands for; DestinationRefused when one is refused."""
        host = parts.hostname or ""
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
            addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
        for address in addresses:
            problem = self._refusal(address)
            if problem is not None:
                raise DestinationRefused(
                    f"url: {problem} (STEPPE_WEBHOOK_ALLOWED_NETWORKS may name its network)"
                )
        return addresses

    async def check_new(self, url: str) -> None:
        """At creation: refuse a URL whose host is, or resolves to, a refused address. A name
        that does not resolve yet is let through; each delivery checks again."""
        with contextlib.suppress(OSError):
            await self.resolve(urlsplit(url))

    async def target(self, url: str) -> Target:
        """At delivery: the address to connect to, checked now (DestinationRefused, or OSError
        when the name does not resolve)."""
        parts = urlsplit(url)
        addresses = await self.resolve(parts)
        address = addresses[0]
        host = f"[{address}]" if address.version == 6 else str(address)
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        userinfo, at, original = parts.netloc.rpartition("@")
        is_name = str(address) != parts.hostname
        return Target(
            urlunsplit(parts._replace(netloc=f"{userinfo}{at}{netloc}")),
            original,
            parts.hostname if is_name and parts.scheme == "https" else None,
        )
