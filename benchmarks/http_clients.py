"""CPU per request of discovery's document clients: httpx2 against aiohttp.

One process holds a tiny asyncio HTTP/1.1 server and the client under test, so the CPU
measured (`time.process_time`) is client and server together; the server is the same for
both, so the difference is the clients'. Each run discovers SPACES spaces the way a cold
listing does: one request to the Hub host (keep-alive, ten at a time, the Hub window), then
three in parallel to the space's own host name (`s{i}.clients.bench`, resolved to 127.0.0.1
by the injectable resolver, checked by the egress policy, which allows exactly
127.0.0.1/32). Both clients go through the same `DocumentClient` interface discovery uses,
read caps included. Runs alternate between the clients; medians are printed.

    python -m benchmarks.http_clients [SPACES] [RUNS]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable

from gradio_mcp.config import Settings
from gradio_mcp.net import new_http_client
from gradio_mcp.net._documents import AiohttpDocuments, DocumentClient, HttpxDocuments

SUFFIX = ".clients.bench"
# About the size of a small space's Hub answer and Gradio documents.
BODY = json.dumps(
    {"named_endpoints": {f"/e{i}": {"parameters": [{"x": "y" * 40}]} for i in range(12)}}
)


class _Server(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        body = BODY.encode()
        head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}"
        self.answer = (head + "\r\n\r\n").encode() + body

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            request, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            assert self.transport is not None
            self.transport.write(self.answer)
            if b"connection: close" in request.lower():
                self.transport.close()


async def resolve(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def one_run(make: Callable[[], DocumentClient], port: int, spaces: int, tag: str) -> float:
    """CPU seconds per request for discovering `spaces` spaces with a fresh client."""
    client = make()
    window = asyncio.Semaphore(10)
    hub = f"http://hub{SUFFIX}:{port}"

    async def get(url: str) -> None:
        answer = await client.get(
            url, {}, timeout=30, max_bytes=1 << 20, setting="GRADIO_MCP_MAX_SCHEMA_BYTES"
        )
        assert answer.status == 200 and len(answer.body) == len(BODY)

    async def space(i: int) -> None:
        async with window:
            await get(f"{hub}/api/spaces/{tag}/s{i}")
        host = f"http://{tag}-s{i}{SUFFIX}:{port}"
        await asyncio.gather(*(get(host + p) for p in ("/info", "/config", "/schema")))

    started = time.process_time()
    await asyncio.gather(*(space(i) for i in range(spaces)))
    cpu = time.process_time() - started
    await client.aclose()
    return cpu / (4 * spaces)


async def main(spaces: int, runs: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Server, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = Settings(
        allowed_networks=("127.0.0.1/32",), hf_endpoint=f"http://hub{SUFFIX}:{port}"
    )

    def httpx2_documents() -> DocumentClient:
        client = new_http_client(settings, resolver=resolve)

        class Owned(HttpxDocuments):
            async def aclose(self) -> None:
                await client.aclose()

        return Owned(client)

    clients: dict[str, Callable[[], DocumentClient]] = {
        "httpx2": httpx2_documents,
        "aiohttp": lambda: AiohttpDocuments(settings, resolver=resolve),
    }
    figures: dict[str, list[float]] = {name: [] for name in clients}
    for run in range(runs):
        for name, make in clients.items():
            figures[name].append(await one_run(make, port, spaces, f"r{run}{name}"))
    server.close()
    print(f"{spaces} spaces x 4 requests, {runs} alternating runs, client+server CPU per request:")
    for name, values in figures.items():
        shown = ", ".join(f"{v * 1000:.3f}" for v in values)
        print(f"  {name:8} median {statistics.median(values) * 1000:.3f} ms  ({shown})")
    ratio = statistics.median(figures["httpx2"]) / statistics.median(figures["aiohttp"])
    print(f"  httpx2 / aiohttp: {ratio:.2f}x")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(*(args + [300, 5][len(args) :])))
