"""Where upstream connections may go: the egress policy, checked on the resolved address.

A space's author decides what its answers contain and the Hub's answer decides which host we
talk to, so neither may steer a connection into the operator's own network. Every
connection to the Hub or a space goes through `EgressBackend`, a network backend for
httpcore2 that resolves the host name itself, keeps only the addresses the policy allows and
connects to one of those very addresses. Check and connection use the same address, so a
name that resolves differently the second time (DNS rebinding) cannot slip through, while
TLS (SNI, certificate) and the Host header still use the name from the URL.

Refused unless `GRADIO_MCP_ALLOWED_NETWORKS` lists them: all addresses that are not public
— loopback, private, link-local (the cloud metadata service 169.254.169.254 among them),
multicast, unspecified, shared (carrier-grade NAT), reserved and other special-purpose
ranges — and the IPv6 forms that carry one of those IPv4 addresses (IPv4-mapped, NAT64,
6to4). The Hub (`HF_ENDPOINT`'s host and port) is always reachable: the operator named it.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore2
import httpx2

from gradio_mcp.config import Settings
from gradio_mcp.errors import GradioMCPError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Turns a host name and port into the addresses to try, like getaddrinfo.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

ALLOWED_NETWORKS_SETTING = "GRADIO_MCP_ALLOWED_NETWORKS"
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 reached through a NAT64 gateway
_LOOPBACK_NAMES = ("127.0.0.1", "::1")


class EgressRefusedError(httpx2.ConnectError, GradioMCPError):
    """The egress policy refused a connection; the message names the address, why, and the
    setting that would allow it. An `httpx2.ConnectError`, so code that handles failed
    connections handles this one too."""

    def __init__(self, host: str, port: int, refused: Sequence[tuple[str, str]]) -> None:
        self.host = host
        self.port = port
        self.refused = list(refused)  # (address, why) for every address the name had
        first = _bare(self.refused[0][0])
        if len(self.refused) == 1 and host.strip("[]") == self.refused[0][0]:
            what = f"a {self.refused[0][1]} address"
        else:
            shown = ", ".join(f"{address} ({why})" for address, why in self.refused[:4])
            more = len(self.refused) - 4
            what = f"it resolves to {shown}" + (f" and {more} more" if more > 0 else "")
        prefix = 32 if ":" not in first else 128
        super().__init__(
            f"refused to connect to {host} port {port}: {what}. Internal addresses are"
            f" reachable only when {ALLOWED_NETWORKS_SETTING} lists them"
            f" (e.g. {ALLOWED_NETWORKS_SETTING}={first}/{prefix})"
        )


def _bare(address: str) -> str:
    return address.split("%", 1)[0]  # an IPv6 zone (fe80::1%eth0) is not part of a network


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, where connecting to it reaches that host."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def non_public_reason(address: IPAddress) -> str | None:
    """Why an address is not a public one ("loopback", "private", ...), None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = non_public_reason(embedded)
            return None if reason is None else f"{reason}, as IPv6"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if any(address in network for network in _PRIVATE):
        return "private"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED:
        return "shared, carrier-grade NAT"
    if address.is_reserved:
        return "reserved"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_private or not address.is_global:
        return "special-purpose"
    return None


def _port_of(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


@dataclass(frozen=True)
class EgressPolicy:
    """Which addresses upstream connections may reach, for one configuration. Pure."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    # (host, port) targets reachable whatever they resolve to: the configured Hub.
    always_reachable: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Settings) -> EgressPolicy:
        return cls(
            tuple(ipaddress.ip_network(n, strict=False) for n in settings.allowed_networks),
            frozenset({_port_of(settings.hf_endpoint)}),
        )

    def is_always_reachable(self, host: str, port: int) -> bool:
        return (host.lower().strip("[]"), port) in self.always_reachable

    def refusal(self, address: str | IPAddress) -> str | None:
        """Why a connection to this address is refused, or None when it is allowed."""
        return _refusal(self, address)

    def _refusal(self, address: str | IPAddress) -> str | None:
        ip = ipaddress.ip_address(_bare(address) if isinstance(address, str) else address)
        reason = non_public_reason(ip)
        if reason is None or self._allows(ip):
            return None
        return reason

    def _allows(self, ip: IPAddress) -> bool:
        candidates: list[IPAddress] = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)  # ::ffff:127.0.0.1 is 127.0.0.1
        return any(c in network for c in candidates for network in self.allowed_networks)

    def approve(self, host: str, port: int, addresses: Iterable[str]) -> list[str]:
        """The addresses a connection to `host:port` may use; EgressRefusedError if none."""
        addresses = list(dict.fromkeys(addresses))
        if self.is_always_reachable(host, port):
            return addresses
        approved, refused = [], []
        for address in addresses:
            why = self.refusal(address)
            if why is None:
                approved.append(address)
            else:
                refused.append((address, why))
        if not approved:
            if not refused:
                raise httpcore2.ConnectError(f"{host} resolved to no address")
            raise EgressRefusedError(host, port, refused)
        return approved


# Hosts resolve to a few addresses again and again (a CDN's, loopback's): their verdicts are
# kept, as the policy that gave them is immutable.
@functools.lru_cache(maxsize=1024)
def _refusal(policy: EgressPolicy, address: str | IPAddress) -> str | None:
    return policy._refusal(address)


def _ip_literal(host: str) -> IPAddress | None:
    if ":" not in host and not host[-1:].isdigit():
        return None  # a name: an IPv4 literal ends in a digit, an IPv6 one has colons
    try:
        return ipaddress.ip_address(_bare(host.strip("[]")))
    except ValueError:
        return None


def is_localhost_name(host: str) -> bool:
    """`localhost` and names under it, which always mean this machine (RFC 6761 §6.3)."""
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


async def system_resolver(host: str, port: int) -> list[str]:
    """The event loop's getaddrinfo, except that `localhost` names are answered with the
    loopback addresses without asking anyone, so no DNS server can point them elsewhere."""
    if is_localhost_name(host):
        return list(_LOOPBACK_NAMES)
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class EgressBackend(httpcore2.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the policy allows (see the module docstring).

    The connect timeout covers resolving the name as well as connecting; the approved
    addresses are tried in the resolver's order until one answers.
    """

    def __init__(
        self,
        policy: EgressPolicy,
        resolver: Resolver | None = None,
        inner: httpcore2.AsyncNetworkBackend | None = None,
    ) -> None:
        self.policy = policy
        self.resolver: Resolver = resolver or system_resolver
        self._inner = inner or httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        literal = _ip_literal(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                async with asyncio.timeout_at(deadline):
                    addresses = list(await self.resolver(host, port))
            except TimeoutError:
                raise httpcore2.ConnectTimeout(f"resolving {host} timed out") from None
            except OSError as exc:
                raise httpcore2.ConnectError(f"cannot resolve {host}: {exc}") from None
        failure: Exception | None = None
        for address in self.policy.approve(host, port, addresses):
            remaining = None if deadline is None else max(deadline - loop.time(), 0.0)
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=remaining,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # approve() returns at least one address
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        raise httpcore2.ConnectError("Unix sockets are not upstream hosts")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
