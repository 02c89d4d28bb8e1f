"""A real `redis-server` for tests: loopback only, a free port and a fresh data directory of
its own, nothing persisted, and stop/start on the same port to play an outage.

`scripts/test.sh` installs the server from Debian's packages; when it is missing the tests
that need it fail with a message saying so (never a skip that hides the missing install).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from gradio_mcp.dev.launcher import free_port, terminate_group

LOOPBACK = "127.0.0.1"
READY_TIMEOUT = 20.0
STOP_GRACE = 5.0


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        raise RuntimeError(
            "redis-server is not installed: scripts/test.sh installs it"
            " (apt-get install redis-server)"
        )
    return found


class RedisServer:
    """One redis-server process. `url` names database 0; `client()` is a plain synchronous
    client for the test's own look at the keys and values."""

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="gradio_mcp_redis_"))
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = self.directory / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        """Start (or restart, on the same port) and return once it answers PING."""
        if self.running:
            return self
        command = [
            redis_server_binary(),
            "--bind",
            LOOPBACK,
            "--port",
            str(self.port),
            "--dir",
            str(self.directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
            "--logfile",
            str(self._log_path),
        ]
        self._process = subprocess.Popen(
            command,
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers_ping():
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = self._log_path.read_text(errors="replace") if self._log_path.exists() else ""
                self.stop()
                raise RuntimeError(f"redis-server on port {self.port} did not start:\n{log}")
            time.sleep(0.02)
        return self

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server (an outage, as far as its clients can tell)."""
        process, self._process = self._process, None
        if process is not None:
            terminate_group(process, STOP_GRACE)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def client(self) -> redis.Redis:
        return redis.Redis(host=LOOPBACK, port=self.port, db=0, socket_timeout=5)

    def flush(self) -> None:
        with self.client() as client:
            client.flushall()

    def dump(self) -> dict[str, Any]:
        """Every key and its value (strings as bytes, other types as Python values)."""
        contents: dict[str, Any] = {}
        with self.client() as client:
            for key in client.scan_iter(count=1000):
                kind = client.type(key).decode()
                name = key.decode()
                if kind == "string":
                    contents[name] = client.get(key)
                elif kind == "hash":
                    contents[name] = client.hgetall(key)
                elif kind == "list":
                    contents[name] = client.lrange(key, 0, -1)
                elif kind == "set":
                    contents[name] = client.smembers(key)
                elif kind == "zset":
                    contents[name] = client.zrange(key, 0, -1, withscores=True)
                else:
                    contents[name] = kind
        return contents
