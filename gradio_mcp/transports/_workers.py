"""Running the HTTP app: in this process (`run_server`), or in several worker processes on one
port (`gradio-mcp serve --workers N`) through uvicorn's supervisor, on a listening socket that
says it is TCP.

asyncio turns Nagle's algorithm off (TCP_NODELAY) only on connections whose socket reports
`IPPROTO_TCP`; uvicorn binds its shared socket with protocol 0, so in its worker mode every
answer written in two parts (headers, then body) waited for the client's delayed ACK: about
40 ms per request instead of one.

Workers die with their supervisor: when the parent process is gone (SIGKILL, OOM killer), a
worker left behind under PID 1 would go on serving the port, and the supervisor's own
supervisor (systemd, Kubernetes) would start a second fleet beside it. Each worker asks
Linux for SIGTERM when its parent dies (`PR_SET_PDEATHSIG`); elsewhere a watchdog thread
watches its parent's pid. Either way it shuts down gracefully, as on a SIGTERM of its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import signal
import socket
import sys
import threading
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from gradio_mcp.config import Settings

# How long after the calls' grace period uvicorn still waits for connections to close.
SHUTDOWN_MARGIN_SECONDS = 5
# How long an idle keep-alive connection stays open. Longer than clients keep idle
# connections for reuse (httpx 5 s, aiohttp 15 s, undici 4 s; load balancers 60 s): with
# uvicorn's default (5 s, the same as httpx's), a client sending on a connection at the
# moment the server closes it for idleness gets ReadError (connection reset), and its
# request is lost. The soak saw one such tools/list in 1,606 requests.
KEEP_ALIVE_SECONDS = 75
# How often a worker looks whether its parent is still there (the portable watchdog).
PARENT_CHECK_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1


def ask_for_signal_on_parent_death(signum: int) -> bool:
    """Linux: have the kernel send `signum` to this process when its parent dies. False
    where that cannot be asked (another system, no libc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(parent_pid: int, signum: int, every: float = PARENT_CHECK_SECONDS) -> None:
    """Send `signum` to this process once its parent is no longer `parent_pid` (it died and
    the process was handed to another), checking every `every` seconds from a thread."""

    def watch() -> None:
        event = threading.Event()
        while os.getppid() == parent_pid:
            event.wait(every)
        os.kill(os.getpid(), signum)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def die_with_parent(parent_pid: int) -> None:
    """In a worker: shut down gracefully (SIGTERM) when the supervisor `parent_pid` dies.

    One SIGTERM only: a second one makes uvicorn stop at once, without the grace period.
    The kernel's signal comes with the parent's death itself, so the watchdog runs only
    where it cannot be had; a parent that died before it was asked for is caught here."""
    if not ask_for_signal_on_parent_death(signal.SIGTERM):
        watch_parent(parent_pid, signal.SIGTERM)
    elif os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGTERM)


class _TcpConfig(uvicorn.Config):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supervisor_pid = os.getpid()  # set in the parent; the workers get a copy

    def configure_logging(self) -> None:
        super().configure_logging()
        # uvicorn calls this first thing in each new worker (and in the parent, before
        # `supervisor_pid` is set).
        supervisor = getattr(self, "supervisor_pid", None)
        if supervisor is not None and os.getpid() != supervisor:
            die_with_parent(supervisor)

    def bind_socket(self) -> socket.socket:
        bound = super().bind_socket()
        if bound.family not in (socket.AF_INET, socket.AF_INET6):
            return bound
        # The same open socket, known to Python (and so to asyncio in each worker) as TCP.
        return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, bound.detach())


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for these settings. Past the calls' grace period, a few seconds more
    for their error results to go out; then uvicorn stops waiting for connections. uvicorn
    logs through ours (`configure_logging`): no configuration of its own, its startup and
    shutdown lines at our level, no access lines (tool calls log themselves)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "timeout_graceful_shutdown": math.ceil(settings.shutdown_grace_ms / 1000)
        + SHUTDOWN_MARGIN_SECONDS,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "log_config": None,
        "log_level": settings.log_level,
        "access_log": False,
    }


def run_server(app: Any, **options: Any) -> None:
    """Serve the ASGI `app` from this process until it is stopped (uvicorn's options)."""
    uvicorn.run(app, **options)


def run_workers(app: str, workers: int, **options: Any) -> None:
    """Serve the ASGI app factory `app` ("module:function") from `workers` processes."""
    config = _TcpConfig(app, factory=True, workers=workers, **options)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
