"""`serve --workers N` binds its shared socket so that asyncio treats each connection as TCP
(and turns Nagle's algorithm off), as it does for a single process."""

from __future__ import annotations

import asyncio
import socket

import pytest

from gradio_mcp.transports._workers import _TcpConfig

pytestmark = pytest.mark.anyio


async def _nodelay_of_accepted(sock: socket.socket) -> int:
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def accepted(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raw = writer.get_extra_info("socket")
        seen.set_result(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=sock)
    async with server:
        port = sock.getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()


async def test_worker_connections_have_nagle_off() -> None:
    config = _TcpConfig("gradio_mcp.cli:worker_app", host="127.0.0.1", port=0, workers=2)
    sock = config.bind_socket()
    assert sock.proto == socket.IPPROTO_TCP
    assert await _nodelay_of_accepted(sock) == 1
