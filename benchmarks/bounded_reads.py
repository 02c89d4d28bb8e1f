"""Memory cost of hostile answers: a 50 MB Hub answer and a 100 MB server-sent-event line.

A raw HTTP server on loopback (in this process, streaming 64 KiB blocks it never keeps)
sends each answer; the client is gradio_mcp's own, first with the default caps, then with
caps raised above the answer's size, which is what reading without a cap costs. For each
run it prints the process's peak RSS growth and the peak of Python allocations.

    .venv/bin/python benchmarks/bounded_reads.py [--hub-mb 50] [--line-mb 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.gradio import CallLimits, SpaceApi, call_endpoint
from gradio_mcp.models import Endpoint
from gradio_mcp.net import ReadLimits, new_http_client

MiB = 1024 * 1024
BLOCK = b"x" * 65536


async def serve(prefix: bytes, total: int) -> tuple[asyncio.Server, str]:
    """A server answering every request with `prefix` then `total` bytes, until it is told
    to stop or the client hangs up. The queue/join request gets an event id instead."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(h.split(b":")[1])
                for h in head.split(b"\r\n")
                if h.lower().startswith(b"content-length")
            ),
            0,
        )
        await reader.readexactly(length)
        with contextlib.suppress(ConnectionError, OSError):
            if b"/queue/join" in head.split(b"\r\n")[0]:
                body = b'{"event_id": "ev"}'
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + prefix)
                sent = 0
                while sent < total:
                    writer.write(BLOCK)
                    await writer.drain()
                    sent += len(BLOCK)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


async def measure(label: str, work: Callable[[], Awaitable[Any]]) -> None:
    rss_before = max_rss()
    tracemalloc.start()
    outcome = await work()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    grown = (max_rss() - rss_before) / MiB
    figures = f"peak RSS +{grown:6.1f} MiB   allocations peak {peak / MiB:6.1f} MiB"
    print(f"{label:<46} {figures}   {outcome}")


async def hub_answer(size: int, cap: int) -> str:
    server, url = await serve(b'{"id": "big/answer", "sdk": "gradio", "padding": "', size)
    settings = Settings(hf_endpoint=url, max_hub_bytes=cap)
    async with server, Discovery(settings) as discovery:
        (space,) = await discovery.get_spaces(["big/answer"], skip_schemas=True)
    return space.error.kind.value if space.error else "read whole"


async def sse_line(size: int, cap: int) -> str:
    server, url = await serve(b'data: {"msg": "process_completed", "output": "', size)
    endpoint = Endpoint(api_name="make", description="", parameters=(), returns=(), fn_index=0)
    limits = ReadLimits(hub_bytes=MiB, schema_bytes=MiB, event_bytes=cap, json_depth=64)
    async with server, new_http_client(Settings(allowed_networks=("127.0.0.1/32",))) as client:
        outcome = await call_endpoint(
            client, SpaceApi(url), endpoint, {}, limits=CallLimits(reads=limits)
        )
    return outcome.error.title if outcome.error else "read whole"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hub-mb", type=int, default=50)
    parser.add_argument("--line-mb", type=int, default=100)
    args = parser.parse_args()
    hub, line = args.hub_mb * MiB, args.line_mb * MiB
    defaults = Settings()
    # Capped runs first: peak RSS only ever grows, so the uncapped ones must come after.
    await measure(
        f"{args.hub_mb} MB Hub answer, default cap ({defaults.max_hub_bytes // MiB} MiB)",
        lambda: hub_answer(hub, defaults.max_hub_bytes),
    )
    await measure(
        f"{args.line_mb} MB SSE line, default cap ({defaults.max_event_bytes // MiB} MiB)",
        lambda: sse_line(line, defaults.max_event_bytes),
    )
    await measure(
        f"{args.hub_mb} MB Hub answer, no effective cap", lambda: hub_answer(hub, 4 * hub)
    )
    await measure(f"{args.line_mb} MB SSE line, no effective cap", lambda: sse_line(line, 4 * line))


if __name__ == "__main__":
    asyncio.run(main())
