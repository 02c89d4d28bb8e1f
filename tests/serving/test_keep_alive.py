"""An idle keep-alive connection to `gradio-mcp serve` stays open longer than HTTP clients
keep idle connections for reuse (httpx: 5 s), so a client never sends a request on a
connection the server is closing at that very moment: that race reset the connection and
lost the request (a client-side ReadError in the soak)."""

from __future__ import annotations

import socket
import time

import pytest

from gradio_mcp.dev.hub_emulator import LocalHub
from tests.stack import ServerProcess

pytestmark = pytest.mark.slow

CLIENT_POOL_EXPIRY = 5.0  # httpx's keepalive_expiry, and uvicorn's own default keep-alive


def _get(sock: socket.socket, port: int) -> bytes:
    """One GET /healthz on an open connection; the answer's bytes (b"" if it was closed)."""
    sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    return answer


@pytest.mark.parametrize("workers", [1, 2])
def test_an_idle_connection_outlives_the_clients_pool_expiry(workers: int) -> None:
    with LocalHub() as hub:
        args = ["--workers", str(workers)] if workers > 1 else []
        server = ServerProcess.start(hub, [], args=args, ready_timeout=120)
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
                assert _get(sock, server.port).startswith(b"HTTP/1.1 200")
                # Idle past the point where a client's pool would drop it: still open here.
                time.sleep(CLIENT_POOL_EXPIRY + 1.5)
                try:
                    again = _get(sock, server.port)
                except ConnectionResetError:
                    again = b""
        finally:
            server.stop()
    assert again.startswith(b"HTTP/1.1 200"), again
