"""The prefetch window: a cold public space's schema fetched at its predicted host while its
metadata is still in flight, kept only when the metadata confirms that host."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import time
from collections.abc import Awaitable, Callable

from gradio_mcp.config import Settings
from gradio_mcp.discovery._space_ids import predict_subdomain
from gradio_mcp.models import SpaceSchema

# Early schema fetches run ahead of the metadata that confirms them by as many Hub windows as
# a schema takes Hub answers: enough to overlap the two, and no more, since every fetch run
# ahead competes with the Hub answers everyone is waiting for (on the same CPU, and at the
# hosts). Before both latencies are known: FIRST_WINDOWS.
FIRST_WINDOWS = 3
MIN_WINDOWS = 2
MAX_WINDOWS = 8
_WEIGHT = 0.2  # of each new latency in the running averages


class PrefetchWindow:
    """The slots early schema fetches share, on the running loop's side of things: a Hub
    window's worth (`hub_window` requests) per window run ahead, the number of windows
    following the latencies seen (`observe`)."""

    def __init__(self, hub_window: int) -> None:
        self._hub_window = max(1, hub_window)
        self._hub: float | None = None
        self._schema: float | None = None
        self._in_use = 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def windows(self) -> int:
        if not self._hub or self._schema is None:
            return FIRST_WINDOWS
        return min(MAX_WINDOWS, max(MIN_WINDOWS, math.ceil(self._schema / self._hub)))

    @property
    def size(self) -> int:
        return self.windows * self._hub_window

    async def acquire(self) -> None:
        if self._in_use < self.size and not self._waiting:
            self._in_use += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await waiter  # the slot was counted as ours when this was woken
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # woken and cancelled at once: pass the slot on
            else:  # still in line, unless a wake-up passed over it as cancelled
                with contextlib.suppress(ValueError):
                    self._waiting.remove(waiter)
            raise

    def release(self) -> None:
        self._in_use -= 1
        self._wake()

    def observe(self, *, hub: float | None = None, schema: float | None = None) -> None:
        """A Hub answer (`hub`) or a schema (`schema`) took this many seconds."""
        if hub is not None:
            self._hub = _averaged(self._hub, hub)
        if schema is not None:
            self._schema = _averaged(self._schema, schema)
        self._wake()

    def _wake(self) -> None:
        while self._waiting and self._in_use < self.size:
            waiter = self._waiting.popleft()
            if not waiter.done():
                self._in_use += 1
                waiter.set_result(None)


def _averaged(average: float | None, seconds: float) -> float:
    return seconds if average is None else average + _WEIGHT * (seconds - average)


def predicted_host(settings: Settings, space_id: str) -> str | None:
    """The host the Hub most likely gives a space, when its host template is known."""
    template = settings.predicted_host_template
    if not template:
        return None
    return template.format(subdomain=predict_subdomain(space_id)).rstrip("/")


class Prefetch:
    """A tokenless schema fetch at a space's predicted host, started before its metadata.

    It waits for a slot of the prefetch window before fetching, and holds it until the
    metadata confirms it (or it is closed): the window bounds fetches *ahead* of their
    metadata, so a slow schema must not keep the next spaces from starting theirs. One that
    has not started when the metadata arrives is dropped (the ordinary fetch is no slower).
    Its fetch gives None when it chose not to ask the space (the shared level has it)."""

    def __init__(
        self, window: PrefetchWindow, fetch: Callable[[], Awaitable[SpaceSchema | None]]
    ) -> None:
        self._window = window
        self.started = self._released = False
        self.task = asyncio.get_running_loop().create_task(self._run(fetch))
        # The outcome is read only if the prefetch is used; never let it warn when dropped.
        self.task.add_done_callback(lambda t: None if t.cancelled() else t.exception())

    async def _run(self, fetch: Callable[[], Awaitable[SpaceSchema | None]]) -> SpaceSchema | None:
        await self._window.acquire()
        self.started = True
        started = time.perf_counter()
        schema = await fetch()
        if schema is not None:
            self._window.observe(schema=time.perf_counter() - started)
        return schema

    def confirmed(self) -> None:
        """The metadata confirmed this fetch: it is no longer ahead of anything."""
        if self.started and not self._released:
            self._released = True
            self._window.release()

    def close(self) -> None:
        if not self.task.done():
            self.task.cancel()
        self.confirmed()
