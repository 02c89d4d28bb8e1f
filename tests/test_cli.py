"""`gradio-mcp discover`: a table (or JSON) of spaces, their status, tools and timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hub(gradio_apps: dict[str, GradioAppProcess]) -> Iterator[LocalHub]:
    with LocalHub() as hub:
        hub.add_space("demo/text-tools", host=gradio_apps["text_tools"].url)
        hub.add_space("demo/static", sdk="static")
        yield hub


def discover(hub: LocalHub, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HF_ENDPOINT": hub.url,
        "HF_HOME": "/nonexistent-hf-home",
        "GRADIO_MCP_ALLOWED_NETWORKS": "127.0.0.1/32",  # the app's address, nothing else
    }
    env.pop("HF_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "gradio_mcp.cli", "discover", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_table_shows_each_space_and_exit_code_reports_failures(hub: LocalHub) -> None:
    done = discover(hub, "demo/text-tools", "demo/static", "not-an-id")
    assert done.returncode == 1
    rows = {
        line.split()[0]: line.split()[1]
        for line in done.stdout.splitlines()[1:]
        if not line.startswith(" ")  # a long detail goes on, wrapped, on indented lines
    }
    assert rows == {"demo/text-tools": "ok", "demo/static": "not_gradio", "not-an-id": "invalid_id"}
    assert "letter_counter" in done.stdout


def test_json_output_carries_endpoints_and_timings(hub: LocalHub) -> None:
    done = discover(hub, "--json", "demo/text-tools")
    assert done.returncode == 0
    (space,) = json.loads(done.stdout)
    assert space["ok"] and space["metadata"]["runtime_stage"] == "RUNNING"
    names = [e["api_name"] for e in space["schema"]["endpoints"]]
    assert names[0] == "letter_counter" and space["timings"]["metadata_ms"] > 0
