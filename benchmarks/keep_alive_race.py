"""The keep-alive race behind a lost request under load, reproduced in a bounded run.

A client keeps an idle connection for reuse up to its pool expiry (httpx: 5 s); uvicorn
closes an idle connection after its keep-alive timeout (default: also 5 s). The server's
idle clock starts when it has written an answer, the client's when it has read it: on a
loaded machine the client reads seconds late, so the server's clock runs ahead and the
server closes connections the client still counts as fresh. A request sent at that moment
is lost: the client reads a reset (`ReadError`) or an empty answer (`RemoteProtocolError`).

Time is scaled down: the server closes after 0.2 s while the client would reuse for 1 s (a
client reading 0.8 s late), and each trial idles about 0.2 s before its second request.
Then the same with the server's keep-alive well above that, as `gradio-mcp serve` sets it
(75 s, against httpx's 5 s): nothing is lost.

    .venv/bin/python -m benchmarks.keep_alive_race [--trials 150]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import threading
import time
from typing import Any

import httpx2
import uvicorn

from gradio_mcp.dev.launcher import free_port

KEEP_ALIVE = 0.2  # the server's keep-alive in the racy run, and about each trial's idle time
EXPIRY = 1.0  # the client's pool expiry


async def _app(scope: dict[str, Any], _receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def _trials(url: str, trials: int) -> dict[str, int]:
    seen: collections.Counter[str] = collections.Counter()
    limits = httpx2.Limits(keepalive_expiry=EXPIRY)
    async with httpx2.AsyncClient(trust_env=False, limits=limits) as client:
        for _ in range(trials):
            await client.get(url)
            await asyncio.sleep(KEEP_ALIVE * random.uniform(0.985, 1.015))
            try:
                await client.get(url)
                seen["ok"] += 1
            except httpx2.HTTPError as exc:
                seen[type(exc).__name__] += 1
    return dict(seen)


def run(keep_alive: float, trials: int) -> dict[str, int]:
    port = free_port()
    config = uvicorn.Config(
        _app, host="127.0.0.1", port=port, timeout_keep_alive=keep_alive, log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        return asyncio.run(_trials(f"http://127.0.0.1:{port}/", trials))
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=150)
    trials = max(1, min(parser.parse_args().trials, 2000))
    report = {
        "server keep-alive 0.2 s, client reuse 1 s": run(KEEP_ALIVE, trials),
        "server keep-alive 3 s, client reuse 1 s": run(KEEP_ALIVE * 15, trials),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
