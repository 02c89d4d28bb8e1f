"""A restarted `gradio-mcp serve` lists its spaces without a request: real server processes,
real Gradio apps behind a LocalHub that counts every request, the official MCP client, and
the SQLite cache file (`GRADIO_MCP_CACHE_FILE`) in a directory of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess
from tests.stack import ServerProcess, SpaceSpec, register_spaces
from tests.test_fleet import list_tools

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SPECS = (
    SpaceSpec("demo/text-tools", "text_tools", "Text tools", "🔤"),
    SpaceSpec("demo/streaming", "streaming", "Streaming", "⏱️"),
)


@pytest.fixture
def hub(gradio_apps: dict[str, GradioAppProcess]) -> Iterator[LocalHub]:
    with LocalHub() as hub:
        register_spaces(hub, gradio_apps, SPECS)
        yield hub


def requests_seen(hub: LocalHub) -> int:
    return hub.metadata_requests.total() + hub.space_requests.total()


async def test_a_restarted_server_lists_its_spaces_without_a_request(
    hub: LocalHub, tmp_path: Path
) -> None:
    spaces = [spec.id for spec in SPECS]
    env = {"GRADIO_MCP_CACHE_FILE": str(tmp_path / "discovery.sqlite3")}
    server = ServerProcess.start(hub, spaces, env)
    try:
        first = await list_tools(server.mcp_url())
    finally:
        server.stop()
    assert hub.metadata_requests.total() == len(SPECS) and requests_seen(hub) > len(SPECS)
    hub.reset_counters()
    restarted = ServerProcess.start(hub, spaces, env)
    try:
        again = await list_tools(restarted.mcp_url())
    finally:
        restarted.stop()
    assert again.keys() == first.keys() and len(again) > 0
    assert requests_seen(hub) == 0, (hub.metadata_requests, hub.space_requests)


async def test_with_the_file_off_a_restarted_server_asks_again(hub: LocalHub) -> None:
    spaces = [spec.id for spec in SPECS]
    for _restart in range(2):
        hub.reset_counters()
        server = ServerProcess.start(hub, spaces, {"GRADIO_MCP_CACHE_FILE": "off"})
        try:
            await list_tools(server.mcp_url())
        finally:
            server.stop()
        assert hub.metadata_requests.total() == len(SPECS)
