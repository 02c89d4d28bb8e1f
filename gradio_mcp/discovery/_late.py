"""Discoveries a list deadline gave up on: left running, and handed to the next request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import cachetools

from gradio_mcp.models import GradioSpace

# How long a finished discovery that a list deadline gave up on is kept for the next request.
LATE_RESULT_SECONDS = 60.0

# (space id, token fingerprint)
LateKey = tuple[str, str | None]


class LateResults:
    """Discoveries a deadline left running, by (space id, token fingerprint), with the time
    they finished on `clock` (None while running)."""

    def __init__(self, clock: Callable[[], float], maxsize: int) -> None:
        self._clock = clock
        self._late: cachetools.LRUCache[
            LateKey, tuple[asyncio.Future[GradioSpace], float | None]
        ] = cachetools.LRUCache(maxsize=maxsize)

    def remember(self, key: LateKey, future: asyncio.Future[GradioSpace]) -> None:
        self._late[key] = (future, None)

        def finished(_done: asyncio.Future[GradioSpace]) -> None:
            if key in self._late and self._late[key][0] is future:
                self._late[key] = (future, self._clock())

        future.add_done_callback(finished)

    def take(self, key: LateKey) -> asyncio.Future[GradioSpace] | None:
        """A discovery an earlier deadline left running: still running (do not wait for it
        again), or finished moments ago and handed over once (so a slow private space, which
        is never cached, still gets listed)."""
        remembered = self._late.get(key)
        if remembered is None:
            return None
        future, finished_at = remembered
        if finished_at is None:
            return future
        del self._late[key]
        return future if self._clock() - finished_at < LATE_RESULT_SECONDS else None

    def forget(self, key: LateKey) -> None:
        self._late.pop(key, None)

    def cancel_all(self) -> None:
        for future, _finished in list(self._late.values()):
            future.cancel()
