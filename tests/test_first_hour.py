"""A newcomer's first hour, through the real `gradio-mcp` command and a real server: a busy
port, a mistyped flag, `discover`'s fix hints, the demo's printed commands, the emulator's
--help, and what a client sending a bad JSON-RPC message gets back."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx2
import pytest

from gradio_mcp.dev._demo import DEMO_TOKEN, INSPECTOR_VERSION, _banner
from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess
from tests.stack import REPO, ServerProcess, gradio_mcp_command
from tests.test_conformance import NODE, TOOLS, require_node_tools

LOOPBACK = "127.0.0.1"


def run_cli(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    home = tempfile.mkdtemp(prefix="gradio_mcp_first_hour_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GRADIO_", "HF_"))}
    return subprocess.run(
        [*gradio_mcp_command(), *args],
        env={**base, "HF_HOME": home, **(env or {})},
        cwd=home,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_busy_port_is_reported_before_anything_starts(command: str, busy_port: int) -> None:
    done = run_cli(command, "--port", str(busy_port))
    assert done.returncode == 1, done.stderr
    assert f"cannot listen on {LOOPBACK}:{busy_port}: address already in use" in done.stderr
    assert "--port" in done.stderr
    # Nothing was announced or started: no "serving at" line, no half minute of app starts.
    assert "MCP at" not in done.stderr + done.stdout
    assert "Starting the example Gradio apps" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_flag_is_named_as_the_flag_and_whole_numbers_say_so() -> None:
    done = run_cli("serve", "--port", "abc")
    assert done.returncode == 2
    assert "--port 'abc': not a whole number" in done.stderr
    assert "GRADIO_MCP_PORT" not in done.stderr
    done = run_cli("discover", "a/b", env={"GRADIO_SPACE_CACHE_TTL": "1.5"})
    assert done.returncode == 2
    assert "GRADIO_SPACE_CACHE_TTL='1.5': not a whole number of ms" in done.stderr


@pytest.mark.parametrize("columns", [80, 160])
def test_discover_wraps_the_detail_and_keeps_the_fix_hint_whole(columns: int) -> None:
    with LocalHub() as hub:
        hub.add_space("demo/loopback", host=f"http://{LOOPBACK}:9")
        env = {"HF_ENDPOINT": hub.url, "COLUMNS": str(columns)}
        done = run_cli("discover", "demo/loopback", env=env)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[1].split()[:2] == ["demo/loopback", "egress_refused"]
    assert all(len(line) <= columns for line in lines[2:]), lines
    assert len(lines) > 2 and all(line.startswith("    ") for line in lines[2:])
    text = " ".join(" ".join(lines).split())
    assert f"GRADIO_MCP_ALLOWED_NETWORKS={LOOPBACK}/32" in text


def test_the_hub_emulator_has_a_real_help_and_refuses_bad_input_plainly() -> None:
    emulator = [sys.executable, "-m", "gradio_mcp.dev.hub_emulator"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    shown = subprocess.run([*emulator, "--help"], capture_output=True, text=True, env=env)
    assert shown.returncode == 0 and "usage:" in shown.stdout and "SPACES_JSON" in shown.stdout
    assert shown.stderr == ""
    refused = subprocess.run([*emulator, "{"], capture_output=True, text=True, env=env)
    assert refused.returncode == 2 and "SPACES_JSON" in refused.stderr
    assert "Traceback" not in refused.stderr


# ---------------------------------------------------------------- the demo's printed commands


@pytest.mark.slow
def test_the_demos_discover_and_inspector_lines_work_as_printed(
    gradio_apps: dict[str, GradioAppProcess],
) -> None:
    require_node_tools()
    with LocalHub() as hub:
        hub.add_space("demo/text-tools", host=gradio_apps["text_tools"].url)
        hub.add_space(
            "demo/file-tools",
            host=gradio_apps["file_tools"].url,
            private=True,
            tokens=(DEMO_TOKEN,),
        )
        server = ServerProcess.start(hub, list(hub.spaces))
        try:
            banner = _banner(server.url, server.mcp_url(), hub)
            discover = next(
                line.split(":", 1)[1].strip()
                for line in banner.splitlines()
                if line.strip().startswith("Discover")
            )
            bin_dir = str(Path(gradio_mcp_command()[0]).parent)
            path = f"{bin_dir}:{os.environ['PATH']}"
            done = subprocess.run(
                ["bash", "-c", discover],
                env={**os.environ, "PATH": path, "HF_HOME": "/nonexistent"},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            rows = {
                line.split()[0]: line.split()[1]
                for line in done.stdout.splitlines()[1:]
                if not line.startswith(" ")
            }
            assert rows == {"demo/text-tools": "ok", "demo/file-tools": "ok"}

            lines = banner.splitlines()
            label = next(i for i, line in enumerate(lines) if line.startswith("--- MCP Inspector"))
            assert "Node >= 22.19" in lines[label]
            command = lines[label + 1]
            assert f"@modelcontextprotocol/inspector@{INSPECTOR_VERSION} " in command
            # As a user with Node 22 would run it (npx finds the pinned version installed).
            node_path = f"{NODE.parent}:{os.environ['PATH']}"
            listed = subprocess.run(
                shlex.split(command),
                env={**os.environ, "PATH": node_path},
                cwd=TOOLS,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert listed.returncode == 0, listed.stdout + listed.stderr
            names = {tool["name"] for tool in json.loads(listed.stdout)["tools"]}
            assert "text-tools__letter_counter" in names and any("file-tools" in n for n in names)
        finally:
            server.stop()


def test_the_pinned_inspector_is_the_one_the_tests_install() -> None:
    script = (REPO / "scripts" / "node-tools.sh").read_text()
    assert f'INSPECTOR_VERSION="{INSPECTOR_VERSION}"' in script
    example = (REPO / "examples" / "clients" / "inspector.sh").read_text()
    assert f"@modelcontextprotocol/inspector@{INSPECTOR_VERSION}" in example


# ---------------------------------------------------------------- JSON-RPC errors on /mcp


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with LocalHub() as hub:
        started = ServerProcess.start(hub, [])
        try:
            yield started
        finally:
            started.stop()


def post(server: ServerProcess, body: bytes) -> httpx2.Response:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    return httpx2.post(server.mcp_url(), content=body, headers=headers, timeout=30)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{", 400, -32700),
        (b"[1,2,3]", 400, -32600),
        (b'{"jsonrpc":"2.0","id":null,"method":"ping"}', 400, -32600),
        (b'{"jsonrpc":"2.0","id":1}', 400, -32600),
        (b'{"jsonrpc":"1.0","id":1,"method":"ping"}', 400, -32600),
        (b" " * (4 * 1024 * 1024 + 1), 413, -32600),
    ],
    ids=["not-json", "batch", "null-id", "no-method", "wrong-version", "too-large"],
)
def test_a_bad_message_gets_a_json_rpc_error_with_its_code(
    server: ServerProcess, body: bytes, status: int, code: int
) -> None:
    response = post(server, body)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    # The request's id when it could be read (JSON-RPC 2.0, section 5), null otherwise.
    readable_id = 1 if body.startswith(b'{"jsonrpc":') and b'"id":1' in body else None
    assert answer["jsonrpc"] == "2.0" and answer["id"] == readable_id
    assert answer["error"]["code"] == code
    message = answer["error"]["message"]
    assert "\n" not in message and len(message) < 120, message


def test_a_good_message_still_goes_through(server: ServerProcess) -> None:
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "first-hour", "version": "0"},
        },
    }
    response = post(server, json.dumps(body).encode())
    assert response.status_code == 200, response.text
    assert '"id":7' in response.text.replace(" ", "")
