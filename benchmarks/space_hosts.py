"""Light space hosts: one small process that answers as thousands of Gradio spaces at once.

Each space is a distinct host name (`{subdomain}.spaces.bench`) that the benchmark's client
resolves to 127.0.0.1 through gradio_mcp's injectable resolver, so per-host limits and the
connection pool see thousands of different hosts, as they would on the Hub; the server tells
spaces apart by the Host header. Every space serves the same documents, captured from a real
Gradio app at the start of the run (`/gradio_api/info`, `/config`, `/gradio_api/mcp/schema`),
after an added latency, over HTTP/1.1 with keep-alive. A raw asyncio protocol rather than an
ASGI stack, so that the hosts' own CPU stays small next to what the benchmark measures.

    python benchmarks/space_hosts.py DOCUMENTS_JSON LATENCY_S [SLOW_JSON]

DOCUMENTS_JSON maps a path to the JSON text it answers; SLOW_JSON maps a subdomain to its
own latency (a slow space). The port is printed on the first line of stdout; the process
runs until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

HOST_SUFFIX = ".spaces.bench"
NOT_FOUND = b'{"detail":"Not Found"}'


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class _SpaceHostProtocol(asyncio.Protocol):
    def __init__(self, server: SpaceHosts) -> None:
        self.server = server
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            parts = lines[0].split(b" ")
            path = parts[1].split(b"?")[0].decode() if len(parts) > 1 else "/"
            host = ""
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"host":
                    host = value.strip().decode().split(":")[0]
            subdomain = host.removesuffix(HOST_SUFFIX)
            self.server.requests += 1
            answer = self.server.answer(path)
            delay = self.server.slow.get(subdomain, self.server.latency)
            loop = asyncio.get_running_loop()
            loop.call_later(delay, self._send, answer)

    def _send(self, answer: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


class SpaceHosts:
    """The documents every space serves, and the latency it adds."""

    def __init__(
        self, documents: dict[str, str], latency: float, slow: dict[str, float] | None = None
    ) -> None:
        self.answers = {
            path: _response("200 OK", text.encode()) for path, text in documents.items()
        }
        self.not_found = _response("404 Not Found", NOT_FOUND)
        self.latency = latency
        self.slow = slow or {}
        self.requests = 0

    def answer(self, path: str) -> bytes:
        return self.answers.get(path, self.not_found)

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: _SpaceHostProtocol(self), "127.0.0.1", 0, backlog=4096
        )
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        # Run until the parent closes our stdin.
        await loop.run_in_executor(None, sys.stdin.read)
        server.close()


def main() -> None:
    documents = json.loads(Path(sys.argv[1]).read_text())
    latency = float(sys.argv[2])
    slow = json.loads(Path(sys.argv[3]).read_text()) if len(sys.argv) > 3 else {}
    asyncio.run(SpaceHosts(documents, latency, slow).serve())


if __name__ == "__main__":
    main()
