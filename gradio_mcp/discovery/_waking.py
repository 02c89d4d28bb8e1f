"""Spaces being woken in the background (for tools/list, which does not wait for them)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from gradio_mcp._log import get_logger
from gradio_mcp.errors import SpaceError
from gradio_mcp.models import SpaceMetadata
from gradio_mcp.net import token_fingerprint

log = get_logger("gradio_mcp.discovery")


class BackgroundWakes:
    """At most one background wake per (space, token fingerprint) at a time."""

    def __init__(self, wake: Callable[[str, str | None], Awaitable[SpaceMetadata]]) -> None:
        self._wake = wake
        self._running: dict[tuple[str, str | None], asyncio.Task[None]] = {}

    def start(self, space_id: str, token: str | None) -> None:
        """Start waking a space unless that is already under way."""
        key = (space_id, token_fingerprint(token))
        if key in self._running:
            return

        async def run() -> None:
            try:
                await self._wake(space_id, token)
            except SpaceError as exc:
                log.debug("wake_failed", error=exc.kind.value, stage=exc.stage)

        task = asyncio.get_running_loop().create_task(run())
        self._running[key] = task
        task.add_done_callback(lambda _t: self._running.pop(key, None))

    def cancel_all(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
