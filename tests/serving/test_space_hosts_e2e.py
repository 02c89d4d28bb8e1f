"""What real Hugging Face space hosts do that a lone loopback app does not, end to end:
`gradio-mcp serve` (a real process) in front of a LocalHub whose space proxy behaves like the
Hub's, with the official MCP client.

* a space on two replicas (two real Gradio apps, each with its own file cache): a call's
  follow-up requests and the file URLs it hands out must reach the replica that ran it;
* a sleeping space, woken by a tools/call that waits for it with progress, while tools/list
  leaves it asleep; a paused space fails fast;
* a full queue and a ZeroGPU quota error read as errors that say what to do.
"""

from __future__ import annotations

import base64
import contextlib
import tempfile
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx2
import pytest
from mcp import types
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess, bundled_apps
from tests.stack import ServerProcess, loopback_http_client, running_server

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TEST_TIMEOUT = 90.0
SPACES = ("hosts/replicated", "hosts/sleepy", "hosts/paused", "hosts/busy", "hosts/gpu")


@pytest.fixture(scope="module")
def second_replica() -> Iterator[GradioAppProcess]:
    """Another file_tools app with a file cache of its own, as a second replica would be."""
    with tempfile.TemporaryDirectory(prefix="gradio_mcp_replica_") as cache:
        app = GradioAppProcess.start(
            bundled_apps()["file_tools"], env={"GRADIO_TEMP_DIR": cache}, ready_timeout=120
        )
        try:
            yield app
        finally:
            app.stop()


@pytest.fixture(scope="module")
def hosts(
    gradio_apps: dict[str, GradioAppProcess], second_replica: GradioAppProcess
) -> Iterator[tuple[LocalHub, ServerProcess]]:
    with LocalHub() as hub:
        text = gradio_apps["text_tools"].url
        hub.add_space(
            "hosts/replicated", replicas=(gradio_apps["file_tools"].url, second_replica.url)
        )
        hub.add_space("hosts/sleepy", upstream=text, stage="SLEEPING", wake_after=1.5)
        hub.add_space("hosts/paused", upstream=text, stage="PAUSED")
        hub.add_space("hosts/busy", upstream=text, call_fault="queue_full")
        hub.add_space("hosts/gpu", upstream=text, call_fault="zerogpu_quota")
        with running_server(hub, list(SPACES)) as server:
            yield hub, server


@contextlib.asynccontextmanager
async def mcp(server: ServerProcess) -> AsyncIterator[Client]:
    with anyio.fail_after(TEST_TIMEOUT):
        async with (
            httpx2.AsyncClient(timeout=httpx2.Timeout(30.0, read=60.0), trust_env=False) as http,
            Client(streamable_http_client(server.mcp_url(), http_client=http)) as client,
        ):
            yield client


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))


async def test_calls_and_their_files_stay_on_one_replica(
    hosts: tuple[LocalHub, ServerProcess],
) -> None:
    hub, server = hosts
    space = hub.spaces["hosts/replicated"]
    uri = "data:text/plain;name=note.txt;base64," + base64.b64encode(b"one\ntwo\n").decode()
    links: list[str] = []
    async with mcp(server) as client:
        for i in range(4):  # unpinned, every other request would reach the wrong replica
            info = await client.call_tool("replicated__file_info", {"file": uri})
            assert not info.is_error, text_of(info)
            assert info.structured_content == {
                "result": {"name": "note.txt", "size": 8, "lines": 2, "head": "one\ntwo\n"[:16]}
            }
            written = await client.call_tool(
                "replicated__write_file", {"text": f"line {i}", "lines": 2}
            )
            assert not written.is_error, text_of(written)
            (link,) = [b for b in written.content if isinstance(b, types.ResourceLink)]
            links.append(str(link.uri))

    # Each call ran on one replica: its join and its event stream went to the same one.
    served = {(rid, path) for (_sid, rid, path), _n in hub.replica_requests.items()}
    for rid in space.replica_ids:
        joins = (rid, "/gradio_api/queue/join") in served
        assert joins == ((rid, "/gradio_api/queue/data") in served)
    # Whoever follows a link reaches the replica that holds the file, whichever it was.
    assert all("/--replicas/" in link for link in links)
    async with loopback_http_client() as http:
        for i, link in enumerate(links):
            response = await http.get(link)
            assert response.status_code == 200
            assert response.text == f"1: line {i}\n2: line {i}\n"


async def test_a_sleeping_space_wakes_for_a_call_and_not_for_a_list(
    hosts: tuple[LocalHub, ServerProcess],
) -> None:
    hub, server = hosts
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async with mcp(server) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        assert not any(name.startswith("sleepy__") for name in listed)
        assert hub.spaces["hosts/sleepy"].stage == "SLEEPING"  # a list does not wake it

        result = await client.call_tool(
            "sleepy__letter_counter",
            {"word": "banana", "letter": "a"},
            progress_callback=on_progress,
        )

        assert not result.is_error, text_of(result)
        assert result.structured_content == {"result": 3}
        assert hub.spaces["hosts/sleepy"].stage == "RUNNING"
        messages = [m for _v, _t, m in progress if m]
        assert any("sleeping" in m or "app_starting" in m for m in messages)
        assert [v for v, _t, _m in progress] == sorted(v for v, _t, _m in progress)

        listed = {tool.name for tool in (await client.list_tools()).tools}
        assert "sleepy__letter_counter" in listed


async def test_a_paused_space_fails_at_once_saying_why(
    hosts: tuple[LocalHub, ServerProcess],
) -> None:
    hub, server = hosts
    async with mcp(server) as client:
        result = await client.call_tool("paused__letter_counter", {"word": "a", "letter": "a"})
    assert result.is_error
    assert "paused" in text_of(result) and "owner" in text_of(result)
    assert hub.spaces["hosts/paused"].stage == "PAUSED"


async def test_a_full_queue_and_a_gpu_quota_read_as_what_to_do(
    hosts: tuple[LocalHub, ServerProcess],
) -> None:
    _hub, server = hosts
    async with mcp(server) as client:
        busy = await client.call_tool("busy__letter_counter", {"word": "a", "letter": "a"})
        gpu = await client.call_tool("gpu__letter_counter", {"word": "a", "letter": "a"})

    assert busy.is_error
    assert text_of(busy).startswith("Queue full: The space's queue is full; try again")
    assert gpu.is_error
    text = text_of(gpu)
    assert text.startswith("ZeroGPU quota exceeded: You have exceeded your free ZeroGPU quota")
    assert "<a" not in text and "(https://huggingface.co/settings/tokens)" in text
    assert "send your token" in text
