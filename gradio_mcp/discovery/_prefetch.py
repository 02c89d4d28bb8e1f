"""The prefetch window: a cold public space's schema fetched at its predicted host while its
metadata is still in flight, kept only when the metadata confirms that host."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from gradio_mcp.config import Settings
from gradio_mcp.discovery._space_ids import predict_subdomain
from gradio_mcp.models import SpaceSchema

# Early schema fetches run at most this many Hub windows ahead of the metadata that confirms
# them: enough to overlap a schema a few times slower than a Hub answer, without front-loading
# thousands of fetches that would compete with the Hub answers everyone is waiting for.
PREFETCH_WINDOWS = 4


def prefetch_window(settings: Settings) -> asyncio.Semaphore:
    """The slots early schema fetches share (on the running loop's side of things)."""
    return asyncio.Semaphore(PREFETCH_WINDOWS * settings.discovery_concurrency)


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
        self, window: asyncio.Semaphore, fetch: Callable[[], Awaitable[SpaceSchema | None]]
    ) -> None:
        self._window = window
        self.started = self._released = False
        self.task = asyncio.get_running_loop().create_task(self._run(fetch))
        # The outcome is read only if the prefetch is used; never let it warn when dropped.
        self.task.add_done_callback(lambda t: None if t.cancelled() else t.exception())

    async def _run(self, fetch: Callable[[], Awaitable[SpaceSchema | None]]) -> SpaceSchema | None:
        await self._window.acquire()
        self.started = True
        return await fetch()

    def confirmed(self) -> None:
        """The metadata confirmed this fetch: it is no longer ahead of anything."""
        if self.started and not self._released:
            self._released = True
            self._window.release()

    def close(self) -> None:
        if not self.task.done():
            self.task.cancel()
        self.confirmed()
