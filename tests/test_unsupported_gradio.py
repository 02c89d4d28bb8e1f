"""A space on a Gradio gradio_mcp cannot call lists no tools and says why, per space: in
`gradio-mcp discover`, in tools/list (the other spaces' tools still listed) and in
`/api/metrics`. Real processes: stand-in apps (tests/apps/unsupported_app.py) serving a
Gradio 2.9 `/config`, and a Gradio 6 app whose `/config` names an unknown queue protocol,
behind the LocalHub; a real Gradio 6 app next to them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx2
import pytest
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from gradio_mcp.dev.launcher import GradioAppProcess
from tests.stack import REPO, SpaceSpec, Stack, running_stack

pytestmark = pytest.mark.slow

STAND_IN = REPO / "tests" / "apps" / "unsupported_app.py"
OLD = SpaceSpec("museum/gradio-two", "two", "Gradio 2", "🦕")
FUTURE = SpaceSpec("lab/future-queue", "future", "Future queue", "🛸")
GOOD = SpaceSpec("demo/text-tools", "text_tools", "Text tools", "🔤")


@pytest.fixture(scope="module")
def stand_ins() -> Iterator[dict[str, GradioAppProcess]]:
    apps: dict[str, GradioAppProcess] = {}
    try:
        for name, env in (
            ("two", {"UNSUPPORTED_APP_VERSION": "2.9.4"}),
            ("future", {"UNSUPPORTED_APP_VERSION": "7.2.0", "UNSUPPORTED_APP_PROTOCOL": "sse_v9"}),
        ):
            apps[name] = GradioAppProcess.start(STAND_IN, name=name, env=env, ready_path="/config")
        yield apps
    finally:
        for app in apps.values():
            app.stop()


@pytest.fixture(scope="module")
def stack(
    stand_ins: dict[str, GradioAppProcess], gradio_apps: dict[str, GradioAppProcess]
) -> Iterator[Stack]:
    with running_stack({**stand_ins, **gradio_apps}, [OLD, FUTURE, GOOD]) as stack:
        yield stack


REASONS = {
    OLD.id: "Gradio 2.9 is not supported",
    FUTURE.id: "Gradio 7.2: its queue protocol 'sse_v9' is not supported",
}


def test_discover_reports_each_unsupported_space_with_its_reason(stack: Stack) -> None:
    env = {
        **os.environ,
        "HF_ENDPOINT": stack.hub.url,
        "HF_HOME": "/nonexistent-hf-home",
        "GRADIO_MCP_ALLOWED_NETWORKS": "127.0.0.1/32",
        "GRADIO_MCP_TRUSTED_HOSTS": "*.localhost:*",
    }
    env.pop("HF_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "gradio_mcp.cli", "discover", "--json", OLD.id, FUTURE.id, GOOD.id],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    spaces = {space["id"]: space for space in json.loads(done.stdout)}
    for space_id, reason in REASONS.items():
        error = spaces[space_id]["error"]
        assert (error["kind"], error["message"]) == ("unsupported", reason)
        assert spaces[space_id]["schema"] is None  # no endpoints to list
    assert spaces[GOOD.id]["ok"]


@pytest.mark.anyio
async def test_unsupported_spaces_list_no_tools_and_metrics_say_why(stack: Stack) -> None:
    async with (
        httpx2.AsyncClient(timeout=30.0, trust_env=False) as http,
        Client(streamable_http_client(stack.server.mcp_url(), http_client=http)) as client,
    ):
        names = [tool.name for tool in (await client.list_tools()).tools]
        metrics = (await http.get(f"{stack.server.url}/api/metrics")).json()
    assert names and all(name.startswith("text-tools__") for name in names)
    for space_id, reason in REASONS.items():
        status = metrics["spaces"][space_id]
        assert status["status"] == "failing"
        assert (status["errorKind"], status["errorMessage"]) == ("unsupported", reason)
