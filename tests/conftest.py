"""Shared fixtures: the bundled Gradio apps, started once per session, the anyio backend,
scripted HTTP answers for unit tests, a real redis-server, and the profile of the
property-based tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import HealthCheck, settings

from gradio_mcp.dev.launcher import GradioAppProcess, start_apps, stop_apps
from gradio_mcp.discovery import _persistent
from tests.clock import Clock
from tests.mock_http import MockHTTP
from tests.redis_server import RedisServer
from tests.upstream import Upstream, install


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


# `GRADIO_MCP_CACHE_FILE=auto` (the default) keeps discoveries across processes in the
# user's cache directory: off in this process's tests (module fixtures included), whose
# counts of upstream requests assume a cold start; the tests of that level name a file of
# their own, and the programs the tests start get `off` (from here, or tests/stack.py).
_persistent.AUTO_DIRECTORY = None
os.environ["GRADIO_MCP_CACHE_FILE"] = "off"


@pytest.fixture(scope="session")
def gradio_apps() -> Iterator[dict[str, GradioAppProcess]]:
    """Every bundled example app, running on its own loopback port, by name.

    They boot concurrently (about 10 s on two cores) and are stopped when the session ends.
    """
    apps = start_apps(ready_timeout=120)
    try:
        yield apps
    finally:
        stop_apps(apps)


@pytest.fixture
async def http_mock() -> AsyncIterator[MockHTTP]:
    """Scripted answers; pass `http_mock.client()` to the code under test."""
    mock = MockHTTP()
    yield mock
    await mock.aclose()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on loopback for the whole session (a fresh port and data dir)."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, running (a test may have stopped it) and empty."""
    redis_server.start()
    redis_server.flush()
    return redis_server.url


# Property-based tests: a fixed, derandomized run (the same examples every time, nothing
# remembered between runs) with a modest budget; no deadline, the machine is shared.
settings.register_profile(
    "gradio-mcp",
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("gradio-mcp")


@pytest.fixture
def upstream(http_mock: MockHTTP) -> Upstream:
    """The scripted Hub and spaces (`tests/upstream.py`), answering through `http_mock`."""
    return install(http_mock)


@pytest.fixture
def clock() -> Clock:
    return Clock()
