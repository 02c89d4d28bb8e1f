"""Soak: many clients for about a minute against a real `gradio-mcp serve`, real Gradio apps
(the bundled demo apps) behind a LocalHub, all on loopback. Reports errors, p50/p99 per
kind of request, and the server's memory (RSS) and open file descriptors before and after,
as its own Prometheus endpoint reports them (process_* figures).

Each client loops until the time is up: tools/list, then a tools/call of a quick tool
(text-tools letter_counter), then, every third round, a streamed call (streaming count_up,
three steps). Bounded in clients, rounds and time. A failed request is counted by kind
and by what failed (`failures`), and the server's own warnings and errors are listed
(`serverProblems`). Part of `python -m benchmarks.run`; alone:

    .venv/bin/python -m benchmarks.soak [--clients 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import httpx2

from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.dev.launcher import bundled_apps, free_port, start_apps, stop_apps

HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
MAX_ROUNDS = 100_000  # per client; the time limit ends the run long before
CALLS = {
    "call": ("text-tools__letter_counter", {"word": "strawberry", "letter": "r"}),
    "stream": ("streaming__count_up", {"n": 3, "delay": 0.05}),
}


def rpc(method: str, params: dict[str, Any], request_id: int) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}


def answer(response: httpx2.Response) -> dict[str, Any]:
    """The JSON-RPC answer carried by an SSE (or JSON) response."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return dict(response.json())
    for line in reversed(response.text.splitlines()):
        if line.startswith("data:"):
            message = json.loads(line[5:])
            if "id" in message:
                return dict(message)
    raise ValueError("no JSON-RPC answer in the response")


def process_figures(base: str) -> dict[str, float]:
    text = httpx2.get(f"{base}/metrics/prometheus", timeout=10, trust_env=False).text
    wanted = ("process_resident_memory_bytes", "process_open_fds", "process_cpu_seconds_total")
    figures = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in wanted:
            figures[name] = float(value)
    return figures


def percentile(samples: list[float], q: float) -> float | None:
    ordered = sorted(samples)
    if not ordered:
        return None
    return round(ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1], 1)


async def client(
    url: str,
    deadline: float,
    latencies: dict[str, list[float]],
    errors: dict[str, int],
    failures: dict[str, int],
) -> None:
    async with httpx2.AsyncClient(timeout=60, trust_env=False) as http:
        for round_number in range(MAX_ROUNDS):
            if time.monotonic() >= deadline:
                return
            kinds = ["list", "call"] + (["stream"] if round_number % 3 == 2 else [])
            for kind in kinds:
                if kind == "list":
                    body = rpc("tools/list", {}, round_number)
                else:
                    name, arguments = CALLS[kind]
                    body = rpc("tools/call", {"name": name, "arguments": arguments}, round_number)
                started = time.perf_counter()
                try:
                    response = await http.post(url, json=body, headers=HEADERS)
                    message = answer(response)
                    failed = "error" in message or bool(message["result"].get("isError"))
                    if kind == "list" and not failed:
                        failed = len(message["result"]["tools"]) == 0
                except (httpx2.HTTPError, ValueError, KeyError) as exc:
                    failed = True
                    what = f"{kind}: {type(exc).__name__}: {exc}"[:200]
                    failures[what] = failures.get(what, 0) + 1
                latencies[kind].append((time.perf_counter() - started) * 1000)
                errors[kind] += int(failed)


def _problem(line: str) -> bool:
    lowered = line.lower()
    return any(word in lowered for word in ("error", "exception", "traceback", "warning"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    clients = max(1, min(args.clients, 500))
    seconds = max(1.0, min(args.seconds, 600.0))

    names = ("text_tools", "streaming")
    apps = start_apps({n: bundled_apps()[n] for n in names}, ready_timeout=180)
    hub = LocalHub()
    server: subprocess.Popen[bytes] | None = None
    server_log: IO[bytes] | None = None
    try:
        hub.start()
        for name in names:
            hub.add_space(f"demo/{name.replace('_', '-')}", host=apps[name].url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "HF_ENDPOINT": hub.url,
            "GRADIO_MCP_SPACES": ",".join(hub.spaces),
            "GRADIO_MCP_PORT": str(port),
            "GRADIO_MCP_TRUSTED_HOSTS": "127.0.0.1:*",
            "GRADIO_MCP_ALLOWED_NETWORKS": "127.0.0.1/32",
            "GRADIO_MCP_LOG_LEVEL": "warning",
        }
        script = Path(sys.executable).with_name("gradio-mcp")
        server_log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in `finally`)
        server = subprocess.Popen(
            [str(script), "serve"], env=env, stdout=server_log, stderr=subprocess.STDOUT
        )
        ready_by = time.monotonic() + 120
        while True:
            try:
                if httpx2.get(f"{base}/readyz", timeout=5, trust_env=False).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > ready_by or server.poll() is not None:
                raise SystemExit("the server did not become ready")
            time.sleep(0.2)
        before = process_figures(base)

        latencies: dict[str, list[float]] = {kind: [] for kind in ("list", "call", "stream")}
        errors = dict.fromkeys(latencies, 0)
        failures: dict[str, int] = {}
        deadline = time.monotonic() + seconds
        started = time.monotonic()

        async def run() -> None:
            await asyncio.gather(
                *(
                    client(f"{base}/mcp", deadline, latencies, errors, failures)
                    for _ in range(clients)
                )
            )

        asyncio.run(run())
        elapsed = time.monotonic() - started
        time.sleep(1.0)  # let connections close before counting descriptors
        after = process_figures(base)
        report = {
            "clients": clients,
            "seconds": round(elapsed, 1),
            "requests": {
                kind: {
                    "count": len(samples),
                    "errors": errors[kind],
                    "p50Ms": percentile(samples, 50),
                    "p99Ms": percentile(samples, 99),
                }
                for kind, samples in latencies.items()
            },
            "failures": failures,
            "requestsPerSecond": round(sum(map(len, latencies.values())) / elapsed, 1),
            "rssMiB": {
                "before": round(before["process_resident_memory_bytes"] / 2**20, 1),
                "after": round(after["process_resident_memory_bytes"] / 2**20, 1),
            },
            "openFds": {"before": before["process_open_fds"], "after": after["process_open_fds"]},
            "serverCpuSeconds": round(
                after["process_cpu_seconds_total"] - before["process_cpu_seconds_total"], 1
            ),
        }
        server_log.seek(0)
        lines = server_log.read().decode(errors="replace").splitlines()
        # What the server logged as going wrong (warnings and worse): counted by line.
        report["serverProblems"] = [line[:300] for line in lines if _problem(line)][:20]
        print(json.dumps(report, indent=2))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if server_log is not None:
            server_log.close()
        hub.stop()
        stop_apps(apps)


if __name__ == "__main__":
    main()
