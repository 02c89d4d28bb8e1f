"""GET one document, whole and bounded: the requests of discovery (Hub metadata, schemas).

Discovery makes four requests per space, thousands at a time on a cold listing, each to a
host seen once. Measured (`benchmarks/http_clients.py`), httpx2's per-request machinery
(httpcore2's pool, anyio, h11) cost about four times aiohttp's for the same requests, so
`AiohttpDocuments` makes them; `HttpxDocuments` makes them through an `httpx2.AsyncClient`
(a client handed to `Discovery`, as the tests do). Both give the same `Answer` and raise the
same errors, httpx2's, so callers handle one set:

* `httpx2.TimeoutException` when `timeout` passes (connecting and reading included),
* `EgressRefusedError` (an `httpx2.ConnectError`) when the policy refuses every address,
* another `httpx2.HTTPError` when the connection fails,
* `ReadLimitError` when a 200 answer's body passes `max_bytes` (decoded bytes).

`AiohttpDocuments` keeps every rule of `new_http_client`: each connection is checked on the
address it really uses (its resolver approves the addresses, an IP literal is checked before
the request), no proxy or `.netrc` from the environment, no redirect followed, no cookie
kept, TLS verified with the same context (`SSL_CERT_FILE` honoured). It decodes gzip and
deflate itself, at most the cap's worth, so a compression bomb stops at the cap too. Space
hosts are seen once each, so their connections are closed after each answer (no idle
sockets pile up); the Hub's are kept for the next requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
import httpx2
from aiohttp.abc import AbstractResolver, ResolveResult

from gradio_mcp.config import Settings
from gradio_mcp.net._client import USER_AGENT
from gradio_mcp.net._egress import EgressPolicy, Resolver, _ip_literal, system_resolver
from gradio_mcp.net._limits import EXCERPT_BYTES, ReadLimitError, read_body, read_excerpt

# Idle Hub connections kept (the Hub window's requests reuse them).
HUB_KEEPALIVE_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Answer:
    """A status, the headers (names lowercased) and the body: whole for a 200, an excerpt
    of at most `excerpt_bytes` otherwise."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class DocumentClient(Protocol):
    async def get(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int,
        setting: str,
        excerpt_bytes: int = EXCERPT_BYTES,
    ) -> Answer: ...

    async def aclose(self) -> None: ...


class HttpxDocuments:
    """Documents through an `httpx2.AsyncClient` (whoever built it owns it)."""

    def __init__(self, client: httpx2.AsyncClient) -> None:
        self.client = client

    async def get(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int,
        setting: str,
        excerpt_bytes: int = EXCERPT_BYTES,
    ) -> Answer:
        async with self.client.stream("GET", url, headers=headers, timeout=timeout) as response:
            if response.status_code == 200:
                body = await read_body(response, max_bytes, setting)
            else:
                body = (await read_excerpt(response, excerpt_bytes)).encode()
            return Answer(response.status_code, dict(response.headers), body)

    async def aclose(self) -> None:
        return None


class _EgressResolver(AbstractResolver):
    """aiohttp's resolver hook: the addresses a name resolves to, only those the policy
    allows (`EgressRefusedError` when none); aiohttp connects to exactly these."""

    def __init__(self, policy: EgressPolicy, resolver: Resolver) -> None:
        self.policy = policy
        self.resolver = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            addresses = list(await self.resolver(host, port))
        except OSError as exc:
            raise httpx2.ConnectError(f"cannot resolve {host}: {exc}") from None
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in self.policy.approve(host, port, addresses)
        ]

    async def close(self) -> None:
        return None


def _decoder(encoding: str) -> Any:
    """A zlib decompressor for the answer's Content-Encoding (None: identity)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib-wrapped, as RFC 9110 says
    raise httpx2.DecodingError(f"unrequested content encoding {encoding!r:.40}")


class _Body:
    """Collects decoded bytes up to a cap."""

    def __init__(self, encoding: str, limit: int, setting: str | None) -> None:
        self.decoder = _decoder(encoding)
        # "deflate" is meant zlib-wrapped, but some servers send it raw.
        self._raw_deflate = encoding.strip().lower() == "deflate"
        self.limit = limit
        self.setting = setting  # None: an excerpt, cut at the limit without an error
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> bool:
        """Take a chunk as received; False once the limit is reached (excerpts only)."""
        if self.decoder is None:
            return self._take(data)
        try:
            # Never more than the cap (plus one byte, to notice passing it) at once.
            out = self.decoder.decompress(data, self.limit - self.size + 1)
            while True:
                if not self._take(out):
                    return False
                tail = self.decoder.unconsumed_tail
                if not tail:
                    return True
                out = self.decoder.decompress(tail, self.limit - self.size + 1)
        except zlib.error as exc:
            if self._raw_deflate and not self.chunks:
                self._raw_deflate = False
                self.decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.add(data)
            raise httpx2.DecodingError(f"cannot decode the answer: {exc}") from None

    def _take(self, data: bytes) -> bool:
        if self.size + len(data) > self.limit:
            if self.setting is not None:
                raise ReadLimitError(f"the answer is larger than {self.limit} bytes", self.setting)
            data = data[: self.limit - self.size]
        self.chunks.append(data)
        self.size += len(data)
        return self.size < self.limit or self.setting is not None

    def bytes(self) -> bytes:
        return b"".join(self.chunks)


class AiohttpDocuments:
    """Documents through aiohttp, under the egress policy (see the module docstring).

    Sessions belong to an event loop: they are opened on first use, and again when called
    from another loop (scripts that call `asyncio.run` twice)."""

    def __init__(self, settings: Settings, *, resolver: Resolver | None = None) -> None:
        self.policy = EgressPolicy.from_settings(settings)
        self.resolver = resolver or system_resolver
        self.max_connections = settings.max_connections
        hub = urlsplit(settings.hf_endpoint)
        self._hub = ((hub.hostname or "").lower(), hub.port, hub.scheme.lower())
        self._ssl = httpx2.create_ssl_context(trust_env=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hub_session: aiohttp.ClientSession | None = None
        self._space_session: aiohttp.ClientSession | None = None

    def _session(self, hub: bool) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # Sessions of a loop that is gone cannot be closed from this one: let them go.
            self._abandon()
            self._loop = loop
        session = self._hub_session if hub else self._space_session
        if session is None:
            connector = aiohttp.TCPConnector(
                limit=self.max_connections,
                ssl=self._ssl,
                resolver=_EgressResolver(self.policy, self.resolver),
                use_dns_cache=False,  # every new connection resolves, and is checked, again
                force_close=not hub,
                keepalive_timeout=HUB_KEEPALIVE_SECONDS if hub else None,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
                cookie_jar=aiohttp.DummyCookieJar(),
                # No timers of aiohttp's own: every request runs under `asyncio.timeout`.
                timeout=aiohttp.ClientTimeout(),
                auto_decompress=False,
                trust_env=False,
            )
            if hub:
                self._hub_session = session
            else:
                self._space_session = session
        return session

    def _is_hub(self, scheme: str, host: str, port: int | None) -> bool:
        hub_host, hub_port, hub_scheme = self._hub
        return (host, scheme) == (hub_host, hub_scheme) and port == hub_port

    async def get(
        self,
        url: str,
        headers: Mapping[str, str],
        *,
        timeout: float,
        max_bytes: int,
        setting: str,
        excerpt_bytes: int = EXCERPT_BYTES,
    ) -> Answer:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not host:
            raise httpx2.UnsupportedProtocol(f"not an http(s) URL: {url!r:.100}")
        port = parts.port or (443 if scheme == "https" else 80)
        literal = _ip_literal(host)
        if literal is not None:
            # aiohttp connects to an IP literal without asking the resolver: check it here.
            self.policy.approve(host, port, [str(literal)])
        session = self._session(self._is_hub(scheme, host, parts.port))
        try:
            async with (
                asyncio.timeout(timeout),
                session.get(url, headers=headers, allow_redirects=False) as response,
            ):
                return await self._read(response, max_bytes, setting, excerpt_bytes)
        except TimeoutError:
            raise httpx2.ReadTimeout(f"{url} did not answer within {timeout:g} s") from None
        except aiohttp.ClientConnectorError as exc:
            raise httpx2.ConnectError(str(exc)) from None
        except aiohttp.ClientError as exc:
            raise httpx2.ReadError(f"{type(exc).__name__}: {exc}") from None

    @staticmethod
    async def _read(
        response: aiohttp.ClientResponse, max_bytes: int, setting: str, excerpt_bytes: int
    ) -> Answer:
        headers = {name.lower(): value for name, value in response.headers.items()}
        encoding = headers.get("content-encoding", "")
        if response.status == 200:
            declared = response.content_length
            if declared is not None and declared > max_bytes and not encoding:
                raise ReadLimitError(
                    f"the answer declares {declared} bytes, over {max_bytes}", setting
                )
            body = _Body(encoding, max_bytes, setting)
        else:
            body = _Body(encoding, excerpt_bytes, None)
        async for data in response.content.iter_any():
            if not body.add(data):
                break
        return Answer(response.status, headers, body.bytes())

    async def aclose(self) -> None:
        sessions = (self._hub_session, self._space_session)
        self._hub_session = self._space_session = None
        for session in sessions:
            if session is not None:
                await session.close()

    def _abandon(self) -> None:
        """Let go of the sessions without awaiting anything: a discovery nobody closed (the
        module-level functions' own), or sessions of an event loop that has ended. Their
        connections are closed as far as can be done synchronously (aiohttp's own first step
        of closing), so that nothing is reported as unclosed at exit."""
        sessions = (self._hub_session, self._space_session)
        self._hub_session = self._space_session = None
        for session in sessions:
            connector = None if session is None else session.connector
            if connector is not None and not connector.closed:
                with contextlib.suppress(Exception):
                    connector._close()

    def __del__(self) -> None:
        self._abandon()


def new_document_client(settings: Settings, *, resolver: Resolver | None = None) -> DocumentClient:
    """The client for discovery's documents under `settings`' egress policy (aiohttp)."""
    return AiohttpDocuments(settings, resolver=resolver)


def as_documents(client: httpx2.AsyncClient | DocumentClient) -> DocumentClient:
    """A `DocumentClient` for either kind of client (an httpx2 one is wrapped)."""
    return HttpxDocuments(client) if isinstance(client, httpx2.AsyncClient) else client
