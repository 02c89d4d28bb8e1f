"""A rate limit on progress notifications that always ends on the latest update.

Gradio can report progress far faster than an MCP client wants to read it; `ProgressThrottle`
sends at most N updates a second and makes sure the last one goes out before the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time

from gradio_mcp.config import PROGRESS_RATE
from gradio_mcp.gradio import ProgressSink, ProgressUpdate


class ProgressThrottle:
    """Forward at most `max_per_second` updates to `sink`, always ending on the latest one.

    Updates arriving faster than the rate replace each other; the newest is delivered when the
    interval has passed (by a timer) or at `flush()`. Use it as `on_progress` and call
    `flush()` before returning the result, so the last notification never races the result;
    call `aclose()` instead when the request was cancelled. Needs a running asyncio loop.
    """

    def __init__(self, sink: ProgressSink, max_per_second: float = PROGRESS_RATE) -> None:
        if max_per_second <= 0:
            raise ValueError("max_per_second must be positive")
        self._sink = sink
        self._interval = 1.0 / max_per_second
        self._last_sent = -math.inf
        self._pending: ProgressUpdate | None = None
        self._timer: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._closed = False
        self.delivered = 0
        self.dropped = 0

    async def __call__(self, update: ProgressUpdate) -> None:
        if self._closed:
            return
        if self._pending is not None:
            self.dropped += 1
        self._pending = update
        if self._timer is not None:
            return  # the timer delivers whatever is pending when it fires
        if time.monotonic() - self._last_sent >= self._interval:
            await self._send_pending()
        else:
            self._wake = asyncio.Event()
            self._timer = asyncio.create_task(self._run_timer())

    async def _send_pending(self) -> None:
        update, self._pending = self._pending, None
        if update is None:
            return
        self._last_sent = time.monotonic()
        self.delivered += 1
        await self._sink(update)

    async def _run_timer(self) -> None:
        try:
            # Bounded: each pass sends one update, and updates stop when the call ends.
            while self._pending is not None and not self._closed:
                delay = self._last_sent + self._interval - time.monotonic()
                if delay > 0 and not self._wake.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), delay)
                await self._send_pending()
        finally:
            self._timer = None

    async def flush(self) -> None:
        """Deliver the pending update now, and wait until it has been delivered."""
        timer = self._timer
        if timer is not None:
            self._wake.set()
            await asyncio.shield(timer)
        if self._pending is not None and not self._closed:
            await self._send_pending()

    async def aclose(self) -> None:
        """Drop anything pending (the call was cancelled) and stop the timer."""
        self._closed = True
        self._pending = None
        timer = self._timer
        if timer is not None:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
