"""What spaces on demand and sign-in cost, against `gradio-mcp serve` processes, LocalHub
(with the Hub's listing and whoami slowed to `--hub-latency`) and the streaming demo app:

* tools/list with GRADIO_MCP_REQUIRE_AUTH off, and on (the token's verdict cached);
* search_spaces: the first search (one Hub listing request) and the same search again (cached);
* call_space against the space's own configured tool, on an endpoint that answers at once.

Usage:

    .venv/bin/python benchmarks/dynamic.py [--calls 200] [--hub-latency 0.3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx2

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess, bundled_apps, free_port

TOKEN = "hf_bench_token"
HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "Authorization": f"Bearer {TOKEN}",
}


def request(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}


def result_of(response: httpx2.Response) -> dict[str, Any]:
    response.raise_for_status()
    line = [x for x in response.text.splitlines() if x.startswith("data: ")][-1]
    return json.loads(line[6:])["result"]  # type: ignore[no-any-return]


def start_server(hub: LocalHub, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process_env = dict(
        os.environ,
        HF_ENDPOINT=hub.url,
        GRADIO_MCP_ALLOWED_NETWORKS="127.0.0.1/32",
        GRADIO_MCP_TRUSTED_HOSTS="*.localhost:*",
        GRADIO_MCP_PORT=str(port),
        GRADIO_MCP_LOG_LEVEL="warning",
        **env,
    )
    process = subprocess.Popen([sys.executable, "-m", "gradio_mcp.cli", "serve"], env=process_env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx2.get(f"{base}/healthz", timeout=5).raise_for_status()
            return process, f"{base}/mcp"
        except httpx2.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def timed(action: Callable[[], object], calls: int) -> list[float]:
    for _ in range(5):  # warm-up: connections, caches
        action()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def show(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    print(f"  {label:44} median {statistics.median(samples):7.2f} ms  p90 {p90:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--hub-latency", type=float, default=0.3)
    args = parser.parse_args()

    app = GradioAppProcess.start(bundled_apps()["streaming"])
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with LocalHub() as hub, httpx2.Client(timeout=60) as http:
            hub.add_space("demo/streaming", upstream=app.url, title="Streaming counter")
            for i in range(50):
                hub.add_space(f"bench/space-{i:02d}", title=f"Bench space {i}", likes=i)
            hub.add_user("bench", TOKEN)
            hub.listing_latency = hub.accounts.whoami_latency = args.hub_latency

            plain, url_plain = start_server(hub, GRADIO_MCP_DYNAMIC="true")
            signed, url_signed = start_server(
                hub, GRADIO_MCP_DYNAMIC="true", GRADIO_MCP_REQUIRE_AUTH="true"
            )
            processes += [plain, signed]

            def post(url: str, body: dict[str, Any]) -> Callable[[], object]:
                return lambda: http.post(url, json=body, headers=HEADERS)

            listing = request("tools/list", {})
            print(f"tools/list (the three on-demand tools), {args.calls} calls each")
            show("GRADIO_MCP_REQUIRE_AUTH=false", timed(post(url_plain, listing), args.calls))
            show(
                "GRADIO_MCP_REQUIRE_AUTH=true, verdict cached",
                timed(post(url_signed, listing), args.calls),
            )

            print(f"search_spaces, Hub listing {args.hub_latency * 1000:.0f} ms")
            search = request(
                "tools/call", {"name": "search_spaces", "arguments": {"query": "bench"}}
            )
            started = time.perf_counter()
            found = result_of(http.post(url_plain, json=search, headers=HEADERS))
            first = (time.perf_counter() - started) * 1000
            assert len(found["structuredContent"]["spaces"]) == 10, found
            print(f"  {'first search (one Hub request)':44} {first:7.2f} ms")
            show("the same search again (cached)", timed(post(url_plain, search), args.calls))

            calls = max(args.calls // 2, 10)
            print(f"an endpoint that answers at once (/echo), {calls} calls each, warm")
            echo = {"message": "hi"}
            direct = request("tools/call", {"name": "streaming__echo", "arguments": echo})
            on_demand = request(
                "tools/call",
                {
                    "name": "call_space",
                    "arguments": {
                        "space_id": "demo/streaming",
                        "endpoint": "/echo",
                        "arguments": echo,
                    },
                },
            )
            configured = f"{url_plain}?gradio=demo/streaming"
            answer = result_of(http.post(configured, json=on_demand, headers=HEADERS))
            assert answer["content"][0]["text"] == "hi", answer
            show("configured tool streaming__echo", timed(post(configured, direct), calls))
            show("call_space demo/streaming /echo", timed(post(url_plain, on_demand), calls))
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        app.stop()


if __name__ == "__main__":
    main()
