"""Cold tools/list of a new replica when the fleet shares Redis: replica 1 (Redis empty) against
replicas 2..N (each a fresh process whose in-process cache is empty), and replica 1 without
Redis for comparison.

Everything runs on loopback: one Gradio app behind a LocalHub that adds the latencies the
reference server was measured with (Hub 300 ms, schema 1 s), a redis-server started here
(it must be installed: `apt-get install redis-server`), and `gradio-mcp serve` processes.
Each process is started, waited for on /healthz, then sent one tools/list; only that request
is timed. Usage:

    .venv/bin/python benchmarks/fleet.py [--spaces 24] [--replicas 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import GradioAppProcess, bundled_apps, free_port

BODY = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
READY_SECONDS = 120.0


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server on loopback (no persistence); yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", directory,
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                        sock.sendall(b"PING\r\n")
                        if sock.recv(16).startswith(b"+PONG"):
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def flush(url: str) -> None:
    host, port = url.removeprefix("redis://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        assert sock.recv(16).startswith(b"+OK")


def cold_list(env: dict[str, str]) -> tuple[float, int]:
    """Start one server, time its first tools/list (ms); also return how many tools it gave."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gradio_mcp.cli", "serve"],
        env={**env, "GRADIO_MCP_PORT": str(port)},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        with httpx2.Client(timeout=60, trust_env=False) as client:
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"server exited with {process.returncode}")
                try:
                    if client.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx2.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start")
                time.sleep(0.05)
            started = time.perf_counter()
            response = client.post(f"{base}/mcp", json=BODY, headers=HEADERS)
            elapsed = (time.perf_counter() - started) * 1000
        line = next(x for x in response.text.splitlines() if x.startswith("data: "))
        return elapsed, len(json.loads(line[6:])["result"]["tools"])
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spaces", type=int, default=24)
    parser.add_argument("--replicas", type=int, default=4, help="replicas per round (>= 2)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hub-latency", type=float, default=0.3, help="seconds")
    parser.add_argument("--schema-latency", type=float, default=1.0, help="seconds")
    args = parser.parse_args()

    app = GradioAppProcess.start(bundled_apps()["text_tools"])
    try:
        with LocalHub() as hub, redis_server() as redis_url, tempfile.TemporaryDirectory() as home:
            ids = [f"bench/space-{i:02d}" for i in range(args.spaces)]
            for space_id in ids:
                hub.add_space(
                    space_id,
                    upstream=app.url,
                    replay=True,
                    hub_latency=args.hub_latency,
                    space_latency=args.schema_latency,
                )
            env = {
                **os.environ,
                "HF_ENDPOINT": hub.url,
                "HF_HOME": str(Path(home)),
                "GRADIO_MCP_SPACE_HOST_TEMPLATE": hub.host_template,
                "GRADIO_MCP_ALLOWED_NETWORKS": "127.0.0.1/32",
                "GRADIO_MCP_SPACES": ",".join(ids),
                "GRADIO_MCP_LIST_DEADLINE": "30000",
                "GRADIO_MCP_LOG_LEVEL": "warning",
            }
            shared = {**env, "GRADIO_MCP_REDIS_URL": redis_url}
            alone, first, later, upstream_later = [], [], [], []
            tools = 0
            for _ in range(args.rounds):
                elapsed, tools = cold_list(env)
                alone.append(elapsed)
                flush(redis_url)
                elapsed, _ = cold_list(shared)
                first.append(elapsed)
                for _ in range(args.replicas - 1):
                    hub.reset_counters()
                    elapsed, count = cold_list(shared)
                    assert count == tools, (count, tools)
                    later.append(elapsed)
                    upstream_later.append(
                        hub.metadata_requests.total() + hub.space_requests.total()
                    )
            print(
                f"cold tools/list of a new replica, {args.spaces} spaces, {tools} tools,"
                f" Hub latency {args.hub_latency * 1000:.0f} ms, schema latency"
                f" {args.schema_latency * 1000:.0f} ms, {args.rounds} rounds (medians)"
            )
            print(f"  replica 1, no Redis          {statistics.median(alone):8.1f} ms")
            print(f"  replica 1, Redis empty       {statistics.median(first):8.1f} ms")
            print(
                f"  replicas 2..{args.replicas}, Redis warm     {statistics.median(later):8.1f} ms"
                f"  (upstream requests: {max(upstream_later)} at most)"
            )
            ratio = statistics.median(first) / statistics.median(later)
            print(f"  replica 1 / replica N+1: {ratio:.1f}x")
    finally:
        app.stop()


if __name__ == "__main__":
    main()
