"""Light space hosts: one small process that answers as thousands of Gradio spaces at once.

Each space is a distinct host name (`{subdomain}.spaces.bench`) that the benchmark's server
resolves to 127.0.0.1 through gradio_mcp's injectable resolver, so per-host limits and the
connection pool see thousands of different hosts, as they would on the Hub; this process
tells them apart by the Host header. A space's subdomain says how it behaves:
`lat{MS}-{KIND}-...` answers after MS milliseconds with the documents of KIND (captured from
a real Gradio app at the start of the run), over HTTP/1.1 with keep-alive. Kind `own` serves
the `std` documents with the space's subdomain written into every label and description, so
that no two spaces' schemas are alike (the worst case for what spaces can share in memory).
A raw asyncio protocol rather than an ASGI stack, so that the hosts' own CPU stays small next
to what the benchmark measures.

    python benchmarks/space_hosts.py DOCUMENTS_JSON_FILE

DOCUMENTS_JSON_FILE maps a kind to {path: JSON text}. The port is printed on the first line
of stdout; the process runs until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

HOST_SUFFIX = ".spaces.bench"
_SUBDOMAIN = re.compile(r"lat(\d+)-([a-z0-9]+)-")
NOT_FOUND = b'{"detail":"Not Found"}'
# A label's or description's text in a document, where kind `own` writes the space's name.
_OWN_TEXT = re.compile(r'("(?:label|description)"\s*:\s*")')


def space_id(latency_ms: int, kind: str, name: str) -> str:
    """A space id whose subdomain makes these hosts answer after `latency_ms` with `kind`."""
    return f"lat{latency_ms}/{kind}-{name}"


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class SpaceHosts:
    """The documents each kind of space serves."""

    def __init__(self, documents: dict[str, dict[str, str]]) -> None:
        self.answers = {
            kind: {path: _response("200 OK", text.encode()) for path, text in docs.items()}
            for kind, docs in documents.items()
        }
        self.not_found = _response("404 Not Found", NOT_FOUND)
        self.own = documents.get("std", {})
        self.requests = 0

    def answer(self, host: str, path: str) -> tuple[float, bytes]:
        match = _SUBDOMAIN.match(host.removesuffix(HOST_SUFFIX))
        if match is None:
            return 0.0, self.not_found
        delay = int(match[1]) / 1000
        if match[2] == "own":
            text = self.own.get(path)
            if text is None:
                return delay, self.not_found
            subdomain = host.removesuffix(HOST_SUFFIX)
            return delay, _response("200 OK", _OWN_TEXT.sub(rf"\1{subdomain} ", text).encode())
        docs = self.answers.get(match[2], {})
        return delay, docs.get(path, self.not_found)

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: _SpaceHostProtocol(self), "127.0.0.1", 0, backlog=4096
        )
        print(server.sockets[0].getsockname()[1], flush=True)
        await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
        server.close()


class _SpaceHostProtocol(asyncio.Protocol):
    def __init__(self, hosts: SpaceHosts) -> None:
        self.hosts = hosts
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
            self.hosts.requests += 1
            delay, answer = self.hosts.answer(host, path)
            asyncio.get_running_loop().call_later(delay, self._send, answer)

    def _send(self, answer: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(answer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def main() -> None:
    documents = json.loads(Path(sys.argv[1]).read_text())
    asyncio.run(SpaceHosts(documents).serve())


if __name__ == "__main__":
    main()
