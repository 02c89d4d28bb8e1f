"""A raw HTTP/1.1 server on a loopback address whose answers the test writes byte by byte:
huge or endless bodies, lines that never end, files that trickle in, answers nested a
hundred thousand deep. It records every connection and request it gets, how many body bytes
each answer got out, and whether the client hung up before the answer was complete.

Every answer closes its connection (`Connection: close`), and a body without
`Content-Length` runs until the close, as HTTP/1.1 allows; so nothing here depends on a
client keeping connections alive. Optional TLS (for SNI tests) records the server name the
client asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[["Reply"], Awaitable[None]]
BLOCK = 64 * 1024
MAX_HEAD = 64 * 1024
MAX_REQUEST_BODY = 8 * 1024 * 1024


class ClientLeft(Exception):
    """The client closed the connection while the answer was still being written."""


@dataclass
class Exchange:
    """One request and what became of its answer."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""
    sent: int = 0  # body bytes written
    client_left: bool = False
    finished: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Reply:
    """Writes one answer; `send` raises ClientLeft once the client has hung up."""

    def __init__(self, exchange: Exchange, writer: asyncio.StreamWriter) -> None:
        self.exchange = exchange
        self._writer = writer

    async def head(self, status: int = 200, headers: dict[str, str] | None = None) -> None:
        lines = [f"HTTP/1.1 {status} X", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await self._drain()

    async def send(self, data: bytes) -> None:
        if self.exchange.client_left:
            raise ClientLeft
        self._writer.write(data)
        await self._drain()
        self.exchange.sent += len(data)

    async def _drain(self) -> None:
        try:
            await self._writer.drain()
        except (ConnectionError, OSError):
            self.exchange.client_left = True
            raise ClientLeft from None

    async def whole(self, status: int, body: bytes, content_type: str) -> None:
        """A complete answer with its Content-Length."""
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        await self.head(status, headers)
        await self.send(body)

    async def json(self, payload: Any, status: int = 200) -> None:
        await self.whole(status, json.dumps(payload).encode(), "application/json")

    async def stream(self, chunks: Iterable[bytes], pause: float = 0.0) -> None:
        """Write chunks one after another (the body runs until the connection closes)."""
        for chunk in chunks:
            await self.send(chunk)
            if pause:
                await asyncio.sleep(pause)


def repeated(block: bytes, total: int) -> Iterable[bytes]:
    """`total` bytes made of `block`, generated as they are written (never held whole)."""
    left = total
    while left > 0:
        piece = block[:left]
        left -= len(piece)
        yield piece


class FaultServer:
    """`async with FaultServer("127.0.0.2") as server:`; `server.route(path, handler)`."""

    def __init__(
        self, host: str = "127.0.0.1", *, port: int = 0, tls: ssl.SSLContext | None = None
    ) -> None:
        self.host = host
        self._port = port
        self.routes: dict[str, Handler] = {}
        self.exchanges: list[Exchange] = []
        self.connections = 0
        self.server_names: list[str | None] = []  # SNI of each TLS handshake
        self._tls = tls
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        if tls is not None:
            tls.sni_callback = self._record_sni

    def _record_sni(self, _sock: Any, name: str | None, _ctx: Any) -> None:
        self.server_names.append(name)

    @property
    def port(self) -> int:
        assert self._port, "not started"
        return self._port

    @property
    def url(self) -> str:
        return f"{'https' if self._tls else 'http'}://{self.host}:{self.port}"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def answer_json(self, path: str, payload: Any) -> None:
        async def handler(reply: Reply) -> None:
            await reply.json(payload)

        self.route(path, handler)

    def requests_to(self, path: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.path == path]

    async def finished(self, path: str, timeout: float = 10.0) -> Exchange:
        """The first exchange on `path`, once its handler has returned (bounded wait)."""
        async with asyncio.timeout(timeout):
            while not self.requests_to(path):
                await asyncio.sleep(0.01)
            exchange = self.requests_to(path)[0]
            await exchange.done.wait()
        return exchange

    async def __aenter__(self) -> FaultServer:
        self._server = await asyncio.start_server(self._serve, self.host, self._port, ssl=self._tls)
        self._port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            exchange = await _read_request(reader)
            if exchange is None:
                return
            self.exchanges.append(exchange)
            watcher = asyncio.create_task(_watch_hang_up(reader, exchange))
            try:
                handler = self.routes.get(exchange.path, _not_found)
                with contextlib.suppress(ClientLeft):
                    await handler(Reply(exchange, writer))
                    exchange.finished = True
            finally:
                watcher.cancel()
                exchange.done.set()
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _not_found(reply: Reply) -> None:
    await reply.json({"detail": "Not Found"}, status=404)


async def _watch_hang_up(reader: asyncio.StreamReader, exchange: Exchange) -> None:
    """Notice the client closing its side (the request was read, so EOF means it left)."""
    with contextlib.suppress(ConnectionError, OSError):
        while await reader.read(BLOCK):
            pass
    exchange.client_left = True


async def _read_request(reader: asyncio.StreamReader) -> Exchange | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    if len(head) > MAX_HEAD:
        return None
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _version = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    path, _, query = target.partition("?")
    length = min(int(headers.get("content-length", "0") or 0), MAX_REQUEST_BODY)
    body = await reader.readexactly(length) if length else b""
    return Exchange(method, path, query, headers, body)


@contextlib.asynccontextmanager
async def fault_servers(*hosts: str) -> AsyncIterator[list[FaultServer]]:
    """Several servers at once, one per host."""
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(FaultServer(host)) for host in hosts]
