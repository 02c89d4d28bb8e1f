"""Progress of a running call: strictly increasing updates, and a rate limit on sending them.

MCP requires `progress` to increase within a request; Gradio's queue reports gr.Progress as
(index, length) and gives queue position and streamed values no number at all.
`ProgressTracker` turns those into increasing updates; `ProgressThrottle` sends at most N a
second and makes sure the last one goes out before the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

ProgressSink = Callable[["ProgressUpdate"], Awaitable[None]]


@dataclass(frozen=True)
class ProgressUpdate:
    """One progress report; `progress` strictly increases within a call (MCP requires it)."""

    progress: float
    total: float | None = None
    message: str | None = None


class ProgressThrottle:
    """Forward at most `max_per_second` updates to `sink`, always ending on the latest one.

    Updates arriving faster than the rate replace each other; the newest is delivered when the
    interval has passed (by a timer) or at `flush()`. Use it as `on_progress` and call
    `flush()` before returning the result, so the last notification never races the result;
    call `aclose()` instead when the request was cancelled. Needs a running asyncio loop.
    """

    def __init__(self, sink: ProgressSink, max_per_second: float = 20.0) -> None:
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


class ProgressTracker:
    """Turns Gradio's queue messages into strictly increasing `ProgressUpdate`s.

    gr.Progress gives (index, length); queue position and streamed values carry no number.
    Those get a small bump above the last value (a whole step when no total is known, so a
    plain generator counts 1, 2, 3...), and an index that goes backwards (a second progress
    bar) is lifted above the last value rather than sent as is.
    """

    EPSILON = 0.001

    def __init__(self, sink: ProgressSink | None) -> None:
        self._sink = sink
        self._last: float | None = None
        self._total: float | None = None
        self.count = 0

    async def numeric(self, value: float, total: float | None, message: str | None) -> None:
        if total is not None and total > 0:
            self._total = total
        if self._last is not None and value <= self._last:
            value = self._last + self.EPSILON
        await self._emit(value, message)

    async def message(self, message: str) -> None:
        if self._last is None:
            value = 0.0
        elif self._total is None:
            value = math.floor(self._last) + 1.0
        else:
            value = self._last + self.EPSILON
        await self._emit(value, message)

    async def done(self) -> None:
        # A finished bar should read 100%, not the last index Gradio happened to send.
        if self._total is not None and self._last is not None and self._last < self._total:
            await self._emit(self._total, "Completed")

    async def _emit(self, value: float, message: str | None) -> None:
        self._last = value
        total = self._total if self._total is not None and value <= self._total else None
        self.count += 1
        if self._sink is not None:
            await self._sink(ProgressUpdate(progress=value, total=total, message=message))
