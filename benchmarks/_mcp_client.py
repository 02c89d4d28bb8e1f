"""A small MCP-over-HTTP client for the benchmark: JSON-RPC POSTs on kept-alive connections,
answers read from the SSE (or JSON) response.

Written on raw asyncio streams rather than a full HTTP client so that the load generator's
own CPU stays small next to the servers it measures (2 cores are shared by everything).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

ACCEPT = "application/json, text/event-stream"


class McpConnection:
    """One kept-alive HTTP/1.1 connection to an MCP endpoint (`http://host:port/path?query`)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.target = parts.path + (f"?{parts.query}" if parts.query else "")
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self._id = 0

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, limit=2**26
            )
        return self.reader, self.writer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON-RPC result of one request; raises on a JSON-RPC error."""
        self._id += 1
        body = json.dumps(
            {"jsonrpc": "2.0", "id": self._id, "method": method, "params": params or {}}
        ).encode()
        head = (
            f"POST {self.target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Accept: {ACCEPT}\r\nContent-Type: application/json\r\n{self.extra}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        reader, writer = await self._connect()
        writer.write(head + body)
        status, payload, keep_alive = await _read_response(reader)
        if not keep_alive:
            await self.close()
        if status != 200:
            raise RuntimeError(f"{method}: HTTP {status}: {payload[:200]!r}")
        message = _last_message(payload)
        if "error" in message:
            raise RuntimeError(f"{method}: {message['error']}")
        result: dict[str, Any] = message["result"]
        return result


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    keep_alive = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"])), keep_alive
    chunks = []
    while True:  # chunked: as many chunks as the stream has, then a 0-size one
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, b"".join(chunks), keep_alive
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _last_message(payload: bytes) -> dict[str, Any]:
    text = payload.decode()
    if text.lstrip().startswith("{"):
        message: dict[str, Any] = json.loads(text)
        return message
    data = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
    messages = [json.loads(d) for d in data if d]
    return next(m for m in reversed(messages) if "result" in m or "error" in m)


async def list_all_tools(connection: McpConnection, max_pages: int = 10_000) -> list[str]:
    """Every tool name, page after page (bounded)."""
    names: list[str] = []
    cursor = None
    for _ in range(max_pages):
        result = await connection.request("tools/list", {"cursor": cursor} if cursor else {})
        names += [tool["name"] for tool in result["tools"]]
        cursor = result.get("nextCursor")
        if not cursor:
            return names
    raise RuntimeError(f"more than {max_pages} pages")
