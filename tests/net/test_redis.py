"""The Redis connection against a real redis-server: commands with a timeout, one warning per
outage, no command sent while down, recovery by itself, garbage treated as down, and the URL's
password never shown."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.errors import ConfigError, RedisUnavailableError
from gradio_mcp.net import RedisConnection, RedisState
from tests.redis_server import RedisServer

pytestmark = pytest.mark.anyio


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _events(caplog: pytest.LogCaptureFixture, name: str) -> list[dict[str, Any]]:
    return [
        r.msg
        for r in caplog.records
        if r.name == "gradio_mcp.redis" and isinstance(r.msg, dict) and r.msg["event"] == name
    ]


async def test_commands_run_under_the_prefix_and_report_up(redis_url: str) -> None:
    connection = RedisConnection(redis_url, timeout=2.0, prefix="t1")
    assert connection.state is RedisState.UNKNOWN
    key = connection.key("greeting", "a")
    await connection.run(lambda client: client.set(key, b"hello"))
    assert await connection.run(lambda client: client.get("t1:greeting:a")) == b"hello"
    assert connection.state is RedisState.UP
    assert connection.status()["errors"] == 0
    await connection.aclose()


async def test_an_outage_warns_once_asks_nothing_while_down_and_ends_by_itself(
    redis_server: RedisServer, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="gradio_mcp.redis")
    clock = FakeClock()
    connection = RedisConnection(redis_url, timeout=2.0, retry_interval=5.0, clock=clock)
    assert await connection.ping()
    redis_server.stop()
    try:
        with pytest.raises(RedisUnavailableError):
            await connection.run(lambda client: client.get("k"))
        assert connection.state is RedisState.DOWN
        # Every later request is refused at once, without a command: errors stop growing.
        for _ in range(20):
            with pytest.raises(RedisUnavailableError, match="not asking it now"):
                await connection.run(lambda client: client.get("k"))
        assert connection.status()["errors"] == 1
        # A due probe that still fails keeps the same outage (no second warning).
        clock.now += 5.0
        assert not await connection.ping()
        assert connection.status()["errors"] == 2
    finally:
        redis_server.start()
    assert not await connection.ping()  # the next probe is not due yet
    clock.now += 5.0
    assert await connection.ping()
    assert connection.state is RedisState.UP
    assert await connection.run(lambda client: client.set("k", b"v"))
    assert len(_events(caplog, "redis_down")) == 1
    assert len(_events(caplog, "redis_recovered")) == 1
    assert connection.status()["outages"] == 1
    await connection.aclose()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


async def test_a_hung_redis_costs_one_timeout_then_nothing(silent_server: int) -> None:
    connection = RedisConnection(f"redis://127.0.0.1:{silent_server}/0", timeout=0.2)
    with pytest.raises(RedisUnavailableError, match=r"did not answer within 0\.2 s"):
        await connection.run(lambda client: client.get("k"))
    assert connection.state is RedisState.DOWN
    assert connection.status()["lastError"] == "timeout"
    # Down: the next request does not wait for the hung server at all.
    with pytest.raises(RedisUnavailableError, match="not asking it now"):
        await asyncio.wait_for(connection.run(lambda client: client.get("k")), timeout=0.1)
    await connection.aclose()


@pytest.fixture
def garbage_server() -> Iterator[int]:
    """A TCP port that answers every connection with bytes that are not Redis' protocol."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    conn.recv(4096)
                    conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n<html>not redis</html>\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


async def test_a_server_answering_garbage_counts_as_down(garbage_server: int) -> None:
    connection = RedisConnection(f"redis://127.0.0.1:{garbage_server}/0", timeout=1.0)
    with pytest.raises(RedisUnavailableError):
        await connection.run(lambda client: client.get("k"))
    assert connection.state is RedisState.DOWN
    await connection.aclose()


async def test_an_unreadable_answer_makes_redis_down_until_a_probe(redis_url: str) -> None:
    clock = FakeClock()
    connection = RedisConnection(redis_url, timeout=2.0, retry_interval=1.0, clock=clock)
    await connection.run(lambda client: client.set("k", b"\xff not json"))
    connection.distrust("entry is not JSON")
    assert connection.state is RedisState.DOWN
    assert connection.status()["lastError"] == "garbage: entry is not JSON"
    with pytest.raises(RedisUnavailableError):
        await connection.run(lambda client: client.get("k"))
    clock.now += 1.0
    assert await connection.ping()
    await connection.aclose()


async def test_a_wrong_type_reply_is_an_error_not_a_crash(redis_url: str) -> None:
    connection = RedisConnection(redis_url, timeout=2.0)
    await connection.run(lambda client: client.rpush("a-list", b"x"))
    with pytest.raises(RedisUnavailableError, match="ResponseError"):
        await connection.run(lambda client: client.get("a-list"))
    await connection.aclose()


def test_a_new_event_loop_gets_its_own_pool(redis_url: str) -> None:
    connection = RedisConnection(redis_url, timeout=2.0)

    async def roundtrip(value: bytes) -> Any:
        await connection.run(lambda client: client.set("k", value))
        return await connection.run(lambda client: client.get("k"))

    assert asyncio.run(roundtrip(b"one")) == b"one"
    assert asyncio.run(roundtrip(b"two")) == b"two"


async def test_the_password_is_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="gradio_mcp.redis")
    # Nothing listens on port 1: the connection is refused.
    connection = RedisConnection("redis://user:s3cret-pw@127.0.0.1:1/2", timeout=1.0)
    with pytest.raises(RedisUnavailableError) as caught:
        await connection.run(lambda client: client.get("k"))
    shown = [str(caught.value), repr(connection), str(connection.status()), caplog.text]
    assert connection.address == "redis://127.0.0.1:1/2"
    assert all("s3cret-pw" not in text for text in shown)
    await connection.aclose()


def test_settings_check_the_url_without_repeating_it() -> None:
    assert RedisConnection.from_settings(Settings()) is None
    settings = Settings.from_env(
        {"GRADIO_MCP_REDIS_URL": "redis://:pw@10.0.0.5:6380/1", "GRADIO_MCP_REDIS_PREFIX": "blue"}
    )
    connection = RedisConnection.from_settings(settings)
    assert connection is not None and connection.key("x") == "blue:x"
    assert "pw@" not in repr(settings)
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"GRADIO_MCP_REDIS_URL": "http://:hunter2@cache:6379"})
    assert "hunter2" not in str(caught.value)
    assert "GRADIO_MCP_REDIS_URL=<hidden>" in str(caught.value)
    with pytest.raises(ConfigError, match="GRADIO_MCP_REDIS_PREFIX"):
        Settings.from_env({"GRADIO_MCP_REDIS_PREFIX": "has space"})
