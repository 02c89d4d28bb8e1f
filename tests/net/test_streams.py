"""Idle connections are checked by polling their socket: a closed one is not reused."""

from __future__ import annotations

import asyncio

import httpcore2
import httpx2
import pytest

from gradio_mcp.net._streams import QuickIdleCheckBackend

pytestmark = pytest.mark.anyio


async def test_an_idle_stream_turns_readable_when_the_server_closes_it() -> None:
    closed = asyncio.Event()

    async def serve(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await closed.wait()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    stream = await QuickIdleCheckBackend().connect_tcp("127.0.0.1", port)
    assert stream.get_extra_info("is_readable") is False
    closed.set()
    for _ in range(100):  # the close reaches us shortly (bounded wait)
        if stream.get_extra_info("is_readable"):
            break
        await asyncio.sleep(0.01)
    assert stream.get_extra_info("is_readable") is True
    await stream.aclose()
    server.close()


async def test_a_pool_on_it_drops_a_connection_the_server_closed() -> None:
    """Keep-alive until the server hangs up; the next request gets a fresh connection."""
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()  # hang up after one answer, without saying so in a header

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport = httpx2.AsyncHTTPTransport()
    transport._pool = httpcore2.AsyncConnectionPool(network_backend=QuickIdleCheckBackend())
    async with httpx2.AsyncClient(transport=transport) as client:
        for _ in range(3):
            response = await client.get(f"http://127.0.0.1:{port}/")
            assert response.text == "ok"
            await asyncio.sleep(0.05)  # the hang-up arrives while the connection is idle
    assert connections == 3
    server.close()
