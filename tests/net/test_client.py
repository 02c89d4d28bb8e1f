"""The upstream HTTP client's connection reuse: never past a space's own idle timeout."""

from __future__ import annotations

import asyncio

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.net import new_http_client
from gradio_mcp.net._client import KEEPALIVE_EXPIRY_SECONDS

pytestmark = pytest.mark.anyio


async def test_an_idle_connection_is_not_reused_near_the_servers_idle_timeout() -> None:
    """Gradio's server closes idle connections after 5 s: a connection idle for longer than
    our expiry is replaced, so a request is never sent on one the server is closing (the
    race that lost calls with ReadError). A burst of requests shares one connection."""
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:  # keep-alive: answer until the client goes away
                await reader.readuntil(b"\r\n\r\n")
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    settings = Settings.from_env({}, allowed_networks=("127.0.0.1/32",))
    assert KEEPALIVE_EXPIRY_SECONDS < 5
    async with new_http_client(settings) as client:
        for _ in range(3):
            assert (await client.get(url)).text == "ok"
        assert connections == 1
        await asyncio.sleep(KEEPALIVE_EXPIRY_SECONDS + 0.3)
        assert (await client.get(url)).text == "ok"
        assert connections == 2
    server.close()
    await server.wait_closed()
