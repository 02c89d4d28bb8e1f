"""Shared fixtures: the bundled Gradio apps, started once per session, and the anyio backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gradio_mcp.dev.launcher import GradioAppProcess, start_apps, stop_apps


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
