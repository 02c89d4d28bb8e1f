"""Running the HTTP app: in this process (`run_server`), or in several worker processes on one
port (`gradio-mcp serve --workers N`) through uvicorn's supervisor, on a listening socket that
says it is TCP.

asyncio turns Nagle's algorithm off (TCP_NODELAY) only on connections whose socket reports
`IPPROTO_TCP`; uvicorn binds its shared socket with protocol 0, so in its worker mode every
answer written in two parts (headers, then body) waited for the client's delayed ACK: about
40 ms per request instead of one.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess


class _TcpConfig(uvicorn.Config):
    def bind_socket(self) -> socket.socket:
        bound = super().bind_socket()
        if bound.family not in (socket.AF_INET, socket.AF_INET6):
            return bound
        # The same open socket, known to Python (and so to asyncio in each worker) as TCP.
        return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, bound.detach())


def run_server(app: Any, **options: Any) -> None:
    """Serve the ASGI `app` from this process until it is stopped (uvicorn's options)."""
    uvicorn.run(app, **options)


def run_workers(app: str, workers: int, **options: Any) -> None:
    """Serve the ASGI app factory `app` ("module:function") from `workers` processes."""
    config = _TcpConfig(app, factory=True, workers=workers, **options)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
