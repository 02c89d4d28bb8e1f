"""Shared fixtures: the bundled Gradio apps, started once per session, the anyio backend, and
scripted HTTP answers for unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from gradio_mcp.dev.launcher import GradioAppProcess, start_apps, stop_apps
from tests.mock_http import MockHTTP


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


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
