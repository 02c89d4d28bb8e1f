"""Waking a sleeping space: one visit, stages read from the Hub until it runs, bounded;
stages a visit cannot fix fail at once. A scripted Hub and space behind a mock transport."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest
from mcp.client.client import Client

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.discovery._hub import HubAccess
from gradio_mcp.discovery._wake import wake_space
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.serving._server import GradioMCP
from tests.upstream import HUB

pytestmark = pytest.mark.anyio
HOST = "https://sleepy.hf.space"


class SleepyHub:
    """A Hub whose space goes SLEEPING → (visit) → APP_STARTING for `polls` reads → RUNNING."""

    def __init__(self, stage: str = "SLEEPING", polls: int = 2) -> None:
        self.stage = stage
        self.polls = polls
        self.visits = 0
        self.hub_reads = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.host == "hub.test":
            self.hub_reads += 1
            if self.stage == "APP_STARTING":
                self.polls -= 1
                if self.polls < 0:
                    self.stage = "RUNNING"
            body = {
                "id": "alice/sleepy",
                "sdk": "gradio",
                "subdomain": "sleepy",
                "host": HOST,
                "runtime": {"stage": self.stage},
            }
            return httpx2.Response(200, content=json.dumps(body).encode())
        if self.stage in ("SLEEPING", "STOPPED"):
            self.visits += 1
            self.stage = "APP_STARTING"
        return httpx2.Response(503, text="<html>starting</html>")


async def wake(hub: SleepyHub, budget: float = 5.0) -> tuple[list[str], object]:
    seen: list[str] = []

    async def on_stage(stage: str, _elapsed: float) -> None:
        seen.append(stage)

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(hub)) as client:
        result = await wake_space(
            HubAccess(client, HUB, timeout=1.0, slots=asyncio.Semaphore(2)),
            "alice/sleepy",
            None,
            visit_client=client,
            space_headers=lambda _url: {},
            budget=budget,
            poll_interval=0.01,
            on_stage=on_stage,
        )
    return seen, result


async def test_a_sleeping_space_is_visited_once_and_waited_for() -> None:
    hub = SleepyHub()
    seen, metadata = await wake(hub)
    assert hub.visits == 1
    assert seen == ["SLEEPING", "APP_STARTING", "APP_STARTING"]
    assert getattr(metadata, "runtime_stage", None) == "RUNNING"


@pytest.mark.parametrize("stage", ["PAUSED", "RUNTIME_ERROR", "NO_APP_FILE"])
async def test_stages_a_visit_cannot_fix_fail_at_once(stage: str) -> None:
    hub = SleepyHub(stage=stage)
    with pytest.raises(SpaceError, match="cannot be woken") as raised:
        await wake(hub)
    assert raised.value.kind == ErrorKind.NOT_RUNNING and raised.value.stage == stage
    assert (hub.visits, hub.hub_reads) == (0, 1)


async def test_the_wait_is_bounded() -> None:
    hub = SleepyHub(polls=10_000)
    with pytest.raises(SpaceError, match="still app_starting"):
        await wake(hub, budget=0.1)
    assert hub.visits == 1


async def test_tools_list_wakes_sleeping_spaces_only_when_asked() -> None:
    for wake_on_list, woken in ((False, False), (True, True)):
        hub = SleepyHub(polls=0)
        settings = Settings.from_env(
            {}, hf_endpoint=HUB, spaces=("alice/sleepy",), wake_on_list=wake_on_list
        )
        client = httpx2.AsyncClient(transport=httpx2.MockTransport(hub))
        gradio = GradioMCP(settings, discovery=Discovery(settings, client=client))
        async with Client(gradio.server, mode="legacy") as mcp:
            assert (await mcp.list_tools()).tools == []  # asleep: nothing to list yet
            for _ in range(100):  # the background wake, if any, gets a moment to visit
                if hub.visits:
                    break
                await asyncio.sleep(0.01)
        assert bool(hub.visits) == woken
        await gradio.discovery.aclose()
        await client.aclose()
