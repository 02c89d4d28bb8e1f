"""A new user on a fresh machine: copy the repository as a clone would have it, run the demo
command the README gives, word for word, and use what it serves with the official MCP client;
then press Ctrl-C and check that nothing is left running.

This installs the package and Gradio into a new virtualenv from the package index, so the
first run takes minutes; pip's own download cache makes later runs much faster.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import httpx2
import pytest
from mcp import types
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client

from gradio_mcp.dev.launcher import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
MARKER = "<!-- demo-command -->"
# What the README says until it carries the marker.
FALLBACK_COMMAND = (
    'python3 -m venv .venv && .venv/bin/pip install -q -e ".[demo]" && .venv/bin/gradio-mcp demo'
)
READY_TIMEOUT = 300.0  # seconds: pip installs gradio and its dependencies first
STOP_TIMEOUT = 60.0
MCP_TIMEOUT = 90.0
DEMO_TOKEN = "hf_demo_token"
PUBLIC_TOOLS = {
    "text-tools__letter_counter",
    "text-tools__transform_text",
    "image-gen__make_image",
    "streaming__count_up",
}
PRIVATE_TOOLS = {"file-tools__file_info", "file-tools__write_file"}


# ---------------------------------------------------------------------------------------------
# The fresh checkout and the README's command


def copy_checkout(destination: Path) -> Path:
    """The repository's tracked and untracked-but-not-ignored files, as a clone would have."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the work tree is not copied
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def demo_command(checkout: Path) -> str:
    """The ```bash block right after the README's demo marker (or, until then, the command
    the README will carry)."""
    readme = checkout / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if MARKER not in text:
        return FALLBACK_COMMAND
    block = re.match(r"\s*```(?:bash|sh|shell)\n(.*?)\n```", text.split(MARKER, 1)[1], re.S)
    assert block, f"README.md has {MARKER} but no ```bash block right after it"
    return block.group(1).strip()


def fresh_user_env(port: int) -> dict[str, str]:
    """The environment of someone who has never used gradio-mcp: no settings of ours, no HF
    token, no virtualenv active; the machine's own pip configuration stays."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GRADIO_", "HF_", "HUGGING_FACE_"))
        and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTEST_CURRENT_TEST")
    }
    ours = {str(Path(sys.prefix) / "bin"), str(REPO / ".venv" / "bin")}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p not in ours]
    env["PATH"] = os.pathsep.join(path)
    env["GRADIO_MCP_PORT"] = str(port)
    return env


# ---------------------------------------------------------------------------------------------
# Processes, from /proc (Linux)


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: [state, ppid, pgrp, ...]."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rsplit(")", 1)[1].split()


def _all_pids() -> Iterable[int]:
    return (int(entry) for entry in os.listdir("/proc") if entry.isdigit())


def process_key(pid: int) -> tuple[int, str] | None:
    """(pid, start time): tells a process apart from a later one that reuses its pid."""
    fields = _stat(pid)
    return (pid, fields[19]) if fields else None


def is_running(key: tuple[int, str]) -> bool:
    fields = _stat(key[0])
    return fields is not None and fields[19] == key[1] and fields[0] not in ("Z", "X")


def descendants(root: int) -> set[tuple[int, str]]:
    """Every living process below `root`, whatever session or group it moved to."""
    children: dict[int, list[int]] = {}
    for pid in _all_pids():
        fields = _stat(pid)
        if fields:
            children.setdefault(int(fields[1]), []).append(pid)
    found: set[tuple[int, str]] = set()
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        key = process_key(pid)
        if key is not None and key not in found:
            found.add(key)
            todo += children.get(pid, [])
    return found


def group_members(pgid: int) -> list[int]:
    members = []
    for pid in _all_pids():
        fields = _stat(pid)
        if fields and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(pid)
    return members


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def tail(log: Path, chars: int = 4000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-chars:]


def wait_until_ready(process: subprocess.Popen[bytes], log: Path, port: int) -> str:
    """Poll (bounded) until the demo says it is ready and /healthz answers; its output."""
    deadline = time.monotonic() + READY_TIMEOUT
    with httpx2.Client(trust_env=False, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the demo exited with {process.returncode}:\n{tail(log)}")
            output = log.read_text(encoding="utf-8", errors="replace")
            if "gradio-mcp demo is ready" in output:
                with contextlib.suppress(httpx2.HTTPError):
                    if http.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        return output
            time.sleep(0.5)
    pytest.fail(f"the demo was not ready within {READY_TIMEOUT:g} s:\n{tail(log)}")


# ---------------------------------------------------------------------------------------------
# What the user does with it


async def use_demo(mcp_url: str) -> dict[str, object]:
    """List tools with and without the demo token, and call the letter counter."""
    seen: dict[str, object] = {}
    timeout = httpx2.Timeout(30.0, read=60.0)
    for label, headers in (
        ("anonymous", {}),
        ("token", {"Authorization": f"Bearer {DEMO_TOKEN}"}),
    ):
        async with (
            httpx2.AsyncClient(headers=headers, timeout=timeout, trust_env=False) as http,
            Client(streamable_http_client(mcp_url, http_client=http)) as client,
        ):
            names: set[str] = set()
            cursor = None
            for _ in range(20):  # pages
                page = await client.list_tools(cursor=cursor, cache_mode="refresh")
                names |= {tool.name for tool in page.tools}
                cursor = page.next_cursor
                if cursor is None:
                    break
            seen[label] = names
            if label == "anonymous":
                seen["call"] = await client.call_tool(
                    "text-tools__letter_counter", {"word": "strawberry", "letter": "r"}
                )
    return seen


def host_ports(hub_url: str, space_ids: list[str]) -> dict[str, int]:
    """The loopback port of each space's Gradio app, as the demo's Hub emulator reports it."""
    ports: dict[str, int] = {}
    with httpx2.Client(trust_env=False, timeout=5.0) as http:
        for space_id in space_ids:
            answer = http.get(
                f"{hub_url}/api/spaces/{space_id}",
                headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
            )
            assert answer.status_code == 200, (space_id, answer.text)
            ports[space_id] = httpx2.URL(answer.json()["host"]).port or 80
    return ports


def test_new_user_runs_the_readme_demo_uses_it_and_stops_it_with_ctrl_c(tmp_path: Path) -> None:
    checkout = copy_checkout(tmp_path / "gradio-mcp")
    assert not (checkout / ".venv").exists()
    command = demo_command(checkout)
    port = free_port()
    log = tmp_path / "demo.log"
    started = time.monotonic()
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=checkout,
            env=fresh_user_env(port),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal would give it
        )
    pgid = process.pid
    spawned: set[tuple[int, str]] = set()
    try:
        banner = wait_until_ready(process, log, port)
        ready_after = time.monotonic() - started
        spawned |= descendants(process.pid)
        mcp_url = f"http://127.0.0.1:{port}/mcp"
        assert f"MCP endpoint : {mcp_url}" in banner

        seen = asyncio.run(asyncio.wait_for(use_demo(mcp_url), MCP_TIMEOUT))
        anonymous, with_token = seen["anonymous"], seen["token"]
        assert isinstance(anonymous, set) and isinstance(with_token, set)
        assert anonymous >= PUBLIC_TOOLS, sorted(anonymous)
        assert not anonymous & PRIVATE_TOOLS, "the private space is listed without its token"
        assert with_token >= (PUBLIC_TOOLS | PRIVATE_TOOLS), sorted(with_token)
        result = seen["call"]
        assert isinstance(result, types.CallToolResult)
        assert not result.is_error, result
        assert [c.text for c in result.content if isinstance(c, types.TextContent)] == ["3"]

        hub_url = re.search(r"Hub emulator : (http://127\.0\.0\.1:\d+)", banner)
        spaces = re.search(r"Spaces {7}: (.+)", banner)
        assert hub_url and spaces, banner
        space_ids = [s.strip() for s in spaces.group(1).split(",")]
        app_ports = host_ports(hub_url.group(1), space_ids)
        hub_port = httpx2.URL(hub_url.group(1)).port
        assert hub_port is not None
        spawned |= descendants(process.pid)
        # The shell (which may have exec'd the demo) and what it started: the demo and its apps.
        root = process_key(process.pid)
        assert root is not None
        spawned.add(root)
        assert len(spawned) >= len(space_ids) + 1, "expected the demo and one process per app"

        # Ctrl-C: the terminal sends SIGINT to the whole foreground process group.
        os.killpg(pgid, signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the demo did not stop within {STOP_TIMEOUT:g} s of Ctrl-C:\n{tail(log)}")
        output = log.read_text(encoding="utf-8", errors="replace")
        assert "gradio-mcp demo stopped." in output, tail(log)
        assert "Traceback" not in output.split("gradio-mcp demo is ready", 1)[1], tail(log)

        # Nothing is left: not in the group, not among the processes it started (the Gradio
        # apps run in groups of their own), and no port still answers.
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline and (
            group_members(pgid) or any(is_running(key) for key in spawned)
        ):
            time.sleep(0.2)
        assert group_members(pgid) == [], "processes left in the demo's group"
        left = [key[0] for key in spawned if is_running(key)]
        assert left == [], f"processes left running after Ctrl-C: {left}"
        for what, number in {"MCP server": port, "Hub emulator": hub_port, **app_ports}.items():
            assert not port_open(number), f"{what} still listens on port {number}"
        print(f"ready after {ready_after:.1f} s; stopped cleanly")
    finally:
        # Whatever this test started and left behind, by id.
        if process.poll() is None or group_members(pgid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        for pid, _ in (key for key in spawned if is_running(key)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
