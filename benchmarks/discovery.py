"""Cold, warm and stale discovery of N spaces behind the Hub emulator, in one run.

Every space is served by one real Gradio app through LocalHub's proxy, which adds the
chosen latency to each Hub answer and each space request. Usage:

    .venv/bin/python benchmarks/discovery.py [--spaces 24] [--hub-latency 0.3]
        [--schema-latency 1.0] [--warm-rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from gradio_mcp.config import Settings
from gradio_mcp.dev.hub_emulator import proxied_host_template
from gradio_mcp.dev.launcher import GradioAppProcess, bundled_apps
from gradio_mcp.discovery import Discovery


class RemoteHub:
    """A LocalHub in a child process (so it does not compete with us for the GIL)."""

    def __init__(self, spaces: list[dict[str, Any]]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gradio_mcp.dev.hub_emulator", json.dumps(spaces)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url:
            raise SystemExit("the Hub emulator did not start")
        self.host_template = proxied_host_template(self.url)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


class ShiftableClock:
    """Monotonic time that the benchmark can move forward to expire cache entries."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


async def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    results = await call()
    elapsed = (time.perf_counter() - started) * 1000
    failed = [r for r in results if not r.ok]
    if failed:
        raise SystemExit(f"discovery failed: {failed[0].id}: {failed[0].error}")
    return elapsed


async def scenario(
    hub: RemoteHub, ids: list[str], rounds: int, **overrides: Any
) -> dict[str, float]:
    clock = ShiftableClock()
    settings = Settings.from_env(
        {},
        hf_endpoint=hub.url,
        space_host_template=hub.host_template,
        # The emulated spaces' hosts resolve to 127.0.0.1: allow exactly that address.
        allowed_networks=("127.0.0.1/32",),
        **overrides,
    )
    async with Discovery(settings, clock=clock) as discovery:
        cold = await timed(lambda: discovery.get_spaces(ids))
        warm = [await timed(lambda: discovery.get_spaces(ids)) for _ in range(rounds)]
        clock.offset += 301  # both caches' 300 s TTL has passed
        stale = await timed(lambda: discovery.get_spaces(ids))
        # Let background refreshes finish (bounded) before counting what reached the Hub.
        for _ in range(100):
            if not discovery.metadata_cache.refreshing and not discovery.schema_cache.refreshing:
                break
            await asyncio.sleep(0.05)
        stats = discovery.cache_stats()["metadata"]
    return {
        "cold_ms": cold,
        "warm_median_ms": statistics.median(warm),
        "stale_ms": stale,
        "hub_requests": stats["fetches"],
        "etag_304": stats["etag_revalidations"],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spaces", type=int, default=24)
    parser.add_argument("--hub-latency", type=float, default=0.3)
    parser.add_argument("--schema-latency", type=float, default=1.0)
    parser.add_argument("--warm-rounds", type=int, default=20)
    args = parser.parse_args()

    app = GradioAppProcess.start(bundled_apps()["text_tools"])
    ids = [f"bench/space-{i:02d}" for i in range(args.spaces)]
    spaces = [
        {
            "id": space_id,
            "upstream": app.url,
            "hub_latency": args.hub_latency,
            "space_latency": args.schema_latency,
            "replay": True,
        }
        for space_id in ids
    ]
    hub = RemoteHub(spaces)
    try:
        print(
            f"{args.spaces} spaces, Hub latency {args.hub_latency * 1000:.0f} ms, schema"
            f" latency {args.schema_latency * 1000:.0f} ms, concurrency 10 (defaults)"
        )
        await scenario(hub, ids, 1)  # warm-up: connections, and the emulator's replay copies
        print(f"{'configuration':36} {'cold':>8} {'warm p50':>9} {'stale':>8}  hub req  304s")
        configs = [
            ("default (predicted hosts, SWR)", {}),
            ("no host prediction", {"predict_hosts": False}),
            ("no stale-while-revalidate", {"stale_while_revalidate": False}),
            ("neither", {"predict_hosts": False, "stale_while_revalidate": False}),
        ]
        for label, overrides in configs:
            r = await scenario(hub, ids, args.warm_rounds, **overrides)
            print(
                f"{label:36} {r['cold_ms']:>6.0f}ms {r['warm_median_ms']:>7.2f}ms"
                f" {r['stale_ms']:>6.0f}ms  {r['hub_requests']:>7.0f} {r['etag_304']:>5.0f}"
            )
    finally:
        hub.close()
        app.stop()


if __name__ == "__main__":
    asyncio.run(main())
