"""Warm tools/list latency of `gradio-mcp serve` for N spaces, against a bare SDK server
that returns the same tool list, measured side by side in one run.

Both servers run as their own processes; requests alternate between them in blocks so that
machine noise falls on both alike. Usage:

    .venv/bin/python benchmarks/tools_list.py [--spaces 24] [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess, bundled_apps, free_port

HERE = Path(__file__).parent
BODY = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def wait_ready(url: str, process: subprocess.Popen[bytes], *, health: bool = False) -> None:
    """Wait until the server answers: on /healthz (ours, so no tools/list is spent on it) or
    with a tools/list (the bare server has nothing else)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            if health:
                httpx2.get(url.replace("/mcp", "/healthz"), timeout=30).raise_for_status()
            else:
                httpx2.post(url, json=BODY, headers=HEADERS, timeout=30)
            return
        except httpx2.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not start")


def tools_of(response: httpx2.Response) -> list[dict[str, object]]:
    line = next(x for x in response.text.splitlines() if x.startswith("data: "))
    return json.loads(line[6:])["result"]["tools"]  # type: ignore[no-any-return]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spaces", type=int, default=24)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument(
        "--dead", action="store_true", help="add one space whose Hub answer never comes"
    )
    args = parser.parse_args()

    app = GradioAppProcess.start(bundled_apps()["text_tools"])
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with LocalHub() as hub, tempfile.TemporaryDirectory() as tmp:
            ids = [f"bench/space-{i:02d}" for i in range(args.spaces)]
            for space_id in ids:
                hub.add_space(space_id, upstream=app.url, replay=True)
            if args.dead:
                hub.add_space("bench/dead", fault="hang")
                ids.append("bench/dead")
            ours_port, bare_port = free_port(), free_port()
            env = dict(
                os.environ,
                HF_ENDPOINT=hub.url,
                GRADIO_MCP_SPACE_HOST_TEMPLATE=hub.host_template,
                # The spaces' hosts resolve to 127.0.0.1: allow exactly that address.
                GRADIO_MCP_ALLOWED_NETWORKS="127.0.0.1/32",
                GRADIO_MCP_SPACES=",".join(ids),
                GRADIO_MCP_PORT=str(ours_port),
                GRADIO_MCP_LOG_LEVEL="warning",
            )
            cmd = [sys.executable, "-m", "gradio_mcp.cli", "serve"]
            processes.append(subprocess.Popen(cmd, env=env))
            ours = f"http://127.0.0.1:{ours_port}/mcp"
            wait_ready(ours, processes[-1], health=True)
            with httpx2.Client(timeout=30) as client:
                started = time.perf_counter()
                tools = tools_of(client.post(ours, json=BODY, headers=HEADERS))
                first = (time.perf_counter() - started) * 1000
            tools_file = Path(tmp) / "tools.json"
            tools_file.write_text(json.dumps(tools))
            bare_cmd = [sys.executable, str(HERE / "bare_server.py"), str(tools_file)]
            processes.append(subprocess.Popen([*bare_cmd, str(bare_port)]))
            bare = f"http://127.0.0.1:{bare_port}/mcp"
            wait_ready(bare, processes[-1])

            samples: dict[str, list[float]] = {"gradio-mcp": [], "bare SDK server": []}
            targets = {"gradio-mcp": ours, "bare SDK server": bare}
            with httpx2.Client(timeout=30) as client:
                for url in targets.values():  # warm-up: connections, caches, imports
                    for _ in range(10):
                        client.post(url, json=BODY, headers=HEADERS)
                block = 20
                for _ in range(args.calls // block):
                    for label, url in targets.items():
                        for _ in range(block):
                            started = time.perf_counter()
                            response = client.post(url, json=BODY, headers=HEADERS)
                            samples[label].append((time.perf_counter() - started) * 1000)
                            assert len(tools_of(response)) == len(tools)
            size = len(json.dumps(tools))
            if args.dead:
                print(f"one dead space among them: the first tools/list took {first:.0f} ms")
            else:
                print(f"first (cold) tools/list: {first:.0f} ms")
            print(
                f"tools/list, {args.spaces} spaces, {len(tools)} tools, {size} bytes of tools,"
                f" {args.calls} calls each, SSE responses (2025-11-25 stateless path)"
            )
            for label, values in samples.items():
                print(
                    f"  {label:16} median {statistics.median(values):6.2f} ms"
                    f"  p90 {percentile(values, 0.9):6.2f} ms"
                )
            ratio = statistics.median(samples["gradio-mcp"]) / statistics.median(
                samples["bare SDK server"]
            )
            print(f"  ratio of medians: {ratio:.2f}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        app.stop()


if __name__ == "__main__":
    main()
