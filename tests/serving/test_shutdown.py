"""Graceful shutdown of a real `gradio-mcp serve` process (one worker, and two), with calls
in flight from the official MCP client to a real Gradio app behind a LocalHub.

What an operator would notice: on SIGTERM, a call that can finish within the grace period
finishes, one that cannot gets a proper error result (never a broken stream) and its job is
cancelled on the space, and the server exits with status 0.
"""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx2
import pytest
from mcp import types
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess
from tests.stack import ServerProcess, SpaceSpec, register_spaces

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

STREAMING = SpaceSpec("demo/streaming", "streaming", "Streaming", "⏱️")
TOOL = "streaming__count_up"
GRACE_MS = 4000


@pytest.fixture(scope="module")
def hub(gradio_apps: dict[str, GradioAppProcess]) -> Iterator[LocalHub]:
    with LocalHub() as hub:
        register_spaces(hub, gradio_apps, [STREAMING])
        yield hub


@contextlib.asynccontextmanager
async def mcp_client(url: str) -> AsyncIterator[Client]:
    timeout = httpx2.Timeout(30.0, read=120.0)
    async with (
        httpx2.AsyncClient(timeout=timeout, trust_env=False) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def text_of(result: types.CallToolResult) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, types.TextContent))


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_finishes_short_calls_and_answers_long_ones(
    hub: LocalHub, workers: int
) -> None:
    hub.reset_counters()
    server = ServerProcess.start(
        hub,
        [STREAMING.id],
        {
            "GRADIO_MCP_SHUTDOWN_GRACE": str(GRACE_MS),
            "GRADIO_MCP_LIST_DEADLINE": "60000",
            "GRADIO_MCP_LOG_FORMAT": "json",
            "GRADIO_MCP_LOG_LEVEL": "info",
        },
        args=["--workers", str(workers)] if workers > 1 else [],
        ready_timeout=120,
    )
    results: dict[str, types.CallToolResult] = {}
    failures: dict[str, BaseException] = {}

    async def call(key: str, arguments: dict[str, Any], running: anyio.Event) -> None:
        async def on_progress(_p: float, _t: float | None, _m: str | None) -> None:
            running.set()  # the job is running on the space

        try:
            async with mcp_client(server.mcp_url()) as client:
                # As clients do (the official one checks results against the listing).
                await client.list_tools()
                results[key] = await client.call_tool(
                    TOOL, arguments, progress_callback=on_progress
                )
        except Exception as exc:  # a broken stream: what must not happen
            failures[key] = exc
            running.set()

    try:
        long_running, short_running = anyio.Event(), anyio.Event()
        with anyio.fail_after(120):
            async with anyio.create_task_group() as group:
                # 50 s of counting: far longer than the grace period.
                group.start_soon(call, "long", {"n": 50, "delay": 1.0}, long_running)
                await long_running.wait()
                # About a second: well within it.
                group.start_soon(call, "short", {"n": 2, "delay": 0.5}, short_running)
                await short_running.wait()
                server.send_signal(signal.SIGTERM)
            code = await anyio.to_thread.run_sync(server.wait, 60)
        output = server.output()
    finally:
        server.stop()

    assert not failures, (failures, output[-3000:])
    assert code == 0, output[-3000:]
    short, long = results["short"], results["long"]
    assert short.is_error is False, text_of(short)
    assert text_of(short) == "1 2 "
    assert long.is_error is True
    assert "shut down" in text_of(long) and TOOL in text_of(long), text_of(long)
    # The space was told to stop the job it would otherwise have run for 50 s.
    assert hub.space_requests[(STREAMING.id, "/gradio_api/cancel")] >= 1

    # JSON logs: every line is one JSON object, uvicorn's shutdown lines included.
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    events = {(line["logger"], line["event"]) for line in lines}
    assert ("gradio_mcp.shutdown", "shutdown_started") in events, events
    assert ("uvicorn.error", "Shutting down") in events, events
