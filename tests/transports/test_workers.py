"""`serve --workers N` binds its shared socket so that asyncio treats each connection as TCP
(and turns Nagle's algorithm off), as it does for a single process; and its workers die with
it, so a supervisor killed with SIGKILL leaves nothing serving its port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.transports._workers import _TcpConfig
from tests.stack import ServerProcess

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


# ---------------------------------------------------------------------------------------------
# Workers die with their parent


def _alive(pid: int) -> bool:
    """Whether `pid` is a running process (a zombie nobody reaped yet is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _serving(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        return True
    return False


def _until(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.slow
def test_sigkill_of_the_parent_leaves_no_worker_serving_the_port() -> None:
    with LocalHub() as hub:
        server = ServerProcess.start(hub, [], args=["--workers", "2"], ready_timeout=120)
        try:
            parent = server.pid
            workers = [pid for pid in _children(parent) if _alive(pid)]
            assert len(workers) >= 2, workers
            server.send_signal(signal.SIGKILL)  # the supervisor only, as the OOM killer does
            assert _until(lambda: not any(_alive(pid) for pid in workers)), [
                pid for pid in workers if _alive(pid)
            ]
            assert not _serving(server.port)
        finally:
            server.stop()


_WATCHED = """
import os, signal, sys, time
from gradio_mcp.transports._workers import watch_parent
watch_parent(os.getppid(), signal.SIGTERM, every=0.05)
print("watching", flush=True)
time.sleep(120)
"""
_PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print(child.pid, flush=True)
time.sleep(120)
"""


def test_the_portable_watchdog_ends_a_process_whose_parent_died() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, _WATCHED], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "watching"
        parent.kill()
        parent.wait(10)
        assert _until(lambda: not _alive(child)), "the child outlived its parent"
    finally:
        parent.kill()
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(child, signal.SIGKILL)
