"""Waking a sleeping space, and waiting for a starting one, with a bounded wait.

A space that slept for lack of visitors wakes when someone visits its host; it then goes
through APP_STARTING (or BUILDING) to RUNNING, which takes from seconds to minutes. We send
one visit, then read the space's stage from the Hub every `poll_interval` seconds until it
runs, telling `on_stage` what we see. Stages a visit cannot fix (PAUSED by its owner, build
or runtime errors, no app file) fail at once with a message that says so. For tools/list,
which does not wait, `BackgroundWakes` runs one wake per space and token at a time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping

import httpx2

from gradio_mcp._log import get_logger
from gradio_mcp.discovery._hub import HubAccess, fetch_space_metadata
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import SpaceMetadata
from gradio_mcp.net import token_fingerprint

RUNNING_STAGES = frozenset({"RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"})
# A visit wakes these (the Hub's JavaScript client treats STOPPED as asleep too).
ASLEEP_STAGES = frozenset({"SLEEPING", "STOPPED"})
# These get to RUNNING by themselves; waiting is all it takes.
STARTING_STAGES = frozenset({"APP_STARTING", "BUILDING", "RUNNING_APP_STARTING"})
WAKE_REQUEST_TIMEOUT = 10.0
DEFAULT_POLL_INTERVAL = 1.0

StageListener = Callable[[str, float], Awaitable[None]]
log = get_logger("gradio_mcp.discovery")


def can_wake(stage: str | None) -> bool:
    """Whether waiting (after a visit, if asleep) can bring a space in `stage` to run."""
    return stage in ASLEEP_STAGES or stage in STARTING_STAGES


def cannot_wake(space_id: str, stage: str | None) -> SpaceError:
    """The error for a space whose stage a visit cannot fix, saying who can."""
    stage = stage or "UNKNOWN"
    if stage == "PAUSED":
        why = "it was paused by its owner, and only the owner can restart it"
    else:
        why = f"its stage is {stage}, which a visit cannot fix; its owner must repair it"
    return SpaceError(
        ErrorKind.NOT_RUNNING, f"{space_id} cannot be woken: {why}", phase="wake", stage=stage
    )


async def wake_space(
    hub: HubAccess,
    space_id: str,
    token: str | None,
    *,
    visit_client: httpx2.AsyncClient,
    space_headers: Callable[[str], Mapping[str, str]],
    budget: float,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    on_stage: StageListener | None = None,
) -> SpaceMetadata:
    """The space's metadata once it runs; `SpaceError` if it cannot run or not in `budget`.

    The Hub is read through `hub`; the visit that wakes the space goes through
    `visit_client`, with `space_headers(url)`: the headers a request to the space's host
    may carry (the caller's token only where it is allowed to go).
    """
    started = time.monotonic()
    deadline = started + budget
    visited = False
    while True:
        fetched = await fetch_space_metadata(hub, space_id, token, None)
        metadata = fetched.value
        stage = metadata.runtime_stage
        if stage is None or stage in RUNNING_STAGES:
            return metadata
        if not can_wake(stage):
            raise cannot_wake(metadata.id, stage)
        if stage in ASLEEP_STAGES and not visited and metadata.url:
            visited = True
            await _visit(visit_client, metadata.url, space_headers(metadata.url))
        elapsed = time.monotonic() - started
        if on_stage is not None:
            await on_stage(stage, elapsed)
        if time.monotonic() + poll_interval > deadline:
            raise SpaceError(
                ErrorKind.NOT_RUNNING,
                f"{space_id} is still {stage.lower()} after {elapsed:.0f} s of waiting for it"
                " to run; try again in a minute",
                phase="wake",
                stage=stage,
            )
        await asyncio.sleep(poll_interval)


async def _visit(client: httpx2.AsyncClient, url: str, headers: Mapping[str, str]) -> None:
    """One request to the space's host, which is what wakes it; its answer does not matter
    (a waking space answers with an error page until it runs)."""
    try:
        async with client.stream(
            "GET", url.rstrip("/") + "/", headers=dict(headers), timeout=WAKE_REQUEST_TIMEOUT
        ) as response:
            await response.aclose()
    except httpx2.HTTPError:
        pass


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
