"""What tasks cost: a plain call, a call answered with a task handle, and a tasks/get poll,
with tasks in memory and in Redis (a local redis-server), over raw JSON-RPC POSTs.

The tool is the streaming app's `echo` (fast, no queue), so the figures are the server's own
overhead, not Gradio's. The servers run with GRADIO_MCP_TASK_THRESHOLD=0, so every call of
the client that opts in becomes a task. Usage:

    .venv/bin/python benchmarks/tasks.py [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import httpx2

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess, bundled_apps, free_port

EXT = "io.modelcontextprotocol/tasks"
TOOL = "streaming__echo"


def envelope(opt_in: bool) -> dict[str, Any]:
    return {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {EXT: {}}} if opt_in else {},
    }


def rpc(client: httpx2.Client, url: str, method: str, params: dict[str, Any], opt_in: bool) -> Any:
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": method,
    }
    if method == "tools/call":
        headers["Mcp-Name"] = params["name"]
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": method,
        "params": {**params, "_meta": envelope(opt_in)},
    }
    response = client.post(url, json=body, headers=headers)
    text = response.text
    if text.startswith("{"):
        return response.json()["result"]
    data = [line[5:] for line in text.splitlines() if line.startswith("data:") and '"id"' in line]
    return json.loads(data[0])["result"]


def timed(samples: list[float], *call: Any) -> Any:
    """`rpc(*call)`, its duration appended to `samples`."""
    started = time.perf_counter()
    value = rpc(*call)
    samples.append((time.perf_counter() - started) * 1000)
    return value


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gradio_mcp.cli", "serve"], env={**env, "GRADIO_MCP_PORT": str(port)}
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, f"{url}/mcp"
        except httpx2.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    redis_binary = shutil.which("redis-server")
    if redis_binary is None:
        raise SystemExit("redis-server is needed (apt-get install redis-server)")
    app = GradioAppProcess.start(bundled_apps()["streaming"])
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with LocalHub() as hub, tempfile.TemporaryDirectory() as tmp:
            hub.add_space("bench/streaming", upstream=app.url)
            redis_port = free_port()
            processes.append(
                subprocess.Popen(
                    [
                        redis_binary,
                        "--bind",
                        "127.0.0.1",
                        "--port",
                        str(redis_port),
                        "--save",
                        "",
                        "--dir",
                        tmp,
                    ],
                    stdout=subprocess.DEVNULL,
                )
            )
            env = dict(
                os.environ,
                HF_ENDPOINT=hub.url,
                GRADIO_MCP_SPACES="bench/streaming",
                GRADIO_MCP_TRUSTED_HOSTS="*.localhost:*",
                GRADIO_MCP_ALLOWED_NETWORKS="127.0.0.1/32",
                GRADIO_MCP_TASK_THRESHOLD="0",
                GRADIO_MCP_TASK_MAX_PER_CALLER="100000",
                GRADIO_MCP_TASK_MAX_TOTAL="100000",
                GRADIO_MCP_LOG_LEVEL="warning",
            )
            stores = {
                "memory": env,
                "redis": {**env, "GRADIO_MCP_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"},
            }
            print(f"{args.calls} calls each; median and p90 in ms")
            for store, store_env in stores.items():
                process, url = start_server(store_env)
                processes.append(process)
                plain: list[float] = []
                create: list[float] = []
                poll: list[float] = []
                arguments = {"name": TOOL, "arguments": {"message": "x" * 200}}
                with httpx2.Client(timeout=30, trust_env=False) as client:
                    for _ in range(20):  # warm-up: connections, discovery, imports
                        rpc(client, url, "tools/call", arguments, opt_in=False)
                    for _ in range(args.calls):
                        timed(plain, client, url, "tools/call", arguments, False)
                        handle = timed(create, client, url, "tools/call", arguments, True)
                        task = {"taskId": handle["taskId"]}
                        while rpc(client, url, "tasks/get", task, True)["status"] == "working":
                            time.sleep(0.005)
                        timed(poll, client, url, "tasks/get", task, True)
                for label, values in (
                    ("plain call", plain),
                    ("call answered with a task", create),
                    ("tasks/get of a completed task", poll),
                ):
                    p90 = sorted(values)[int(len(values) * 0.9) - 1]
                    print(f"  {store:6} {label:30} {statistics.median(values):7.2f}  {p90:7.2f}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        app.stop()


if __name__ == "__main__":
    main()
