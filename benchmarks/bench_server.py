"""gradio_mcp as the benchmark runs it: the same HTTP app as `gradio-mcp serve`, in its own
process, with two additions that only a benchmark needs.

* Space host names `*.spaces.bench` resolve to 127.0.0.1 (the light space hosts) through the
  HTTP client's injectable resolver (`Discovery(resolver=...)`); every other name resolves
  as usual. The egress policy still checks every address: the benchmark allows exactly
  127.0.0.1/32.
* `GET /_bench/loop` answers the longest event-loop stall seen since the previous call (a
  task that sleeps 2 ms at a time measures how late it wakes up).

    python -m benchmarks.bench_server PORT [SPACES_FILE]

Settings come from the environment; SPACES_FILE (one id per line) adds configured spaces
beyond what one environment variable can hold.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import Receive, Scope, Send

from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery
from gradio_mcp.net import system_resolver
from gradio_mcp.serving import GradioMCP
from gradio_mcp.transports import build_http_app

BENCH_SUFFIX = ".spaces.bench"
LOOPBACK = "127.0.0.1"
PROBE_INTERVAL = 0.002


async def resolve(host: str, port: int) -> list[str]:
    """The benchmark's space hosts are all 127.0.0.1; every other name resolves as usual."""
    if host.endswith(BENCH_SUFFIX):
        return [LOOPBACK]
    return await system_resolver(host, port)


class LoopProbe:
    """The longest time the event loop kept a 2 ms sleeper waiting, since the last read."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    def read_and_reset(self) -> float:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        longest, self.longest = self.longest, 0.0
        return longest

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(PROBE_INTERVAL)
            self.longest = max(self.longest, time.perf_counter() - started - PROBE_INTERVAL)


def bench_app(settings: Settings) -> Any:
    discovery = Discovery(settings, resolver=resolve)
    inner = build_http_app(GradioMCP(settings, discovery=discovery))
    probe = LoopProbe()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/_bench/loop":
            body = f'{{"longest_stall_ms": {probe.read_and_reset() * 1000:.3f}}}'.encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await inner(scope, receive, send)

    return app


def main() -> None:
    settings = Settings.from_env()
    if len(sys.argv) > 2:
        lines = Path(sys.argv[2]).read_text().splitlines()
        ids = [line.strip() for line in lines if line.strip()]
        settings = Settings.from_env(spaces=(*settings.spaces, *ids))
    uvicorn.run(bench_app(settings), host=LOOPBACK, port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()
