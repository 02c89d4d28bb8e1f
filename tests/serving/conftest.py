"""Fixtures of the serving tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.serving import GradioMCP
from tests.clock import Clock
from tests.mock_http import MockHTTP
from tests.upstream import HUB


@pytest.fixture
async def make(http_mock: MockHTTP, clock: Clock) -> AsyncIterator[Callable[..., GradioMCP]]:
    """Servers on the mocked Hub and spaces, on the test's hand-moved clock; `make(**settings)`
    builds one, and every one made is closed after the test."""
    made: list[GradioMCP] = []

    def factory(**overrides: Any) -> GradioMCP:
        settings = Settings.from_env({}, hf_endpoint=HUB, **overrides)
        discovery = Discovery(settings, client=http_mock.client(), clock=clock)
        made.append(GradioMCP(settings, discovery=discovery))
        return made[-1]

    yield factory
    for gradio in made:
        await gradio.discovery.aclose()
