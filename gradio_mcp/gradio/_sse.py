"""Server-sent events from a space: (event, data) pairs, with a bound on one event's size."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2

from gradio_mcp.errors import UpstreamCallError

MAX_EVENT_BYTES = 32 * 1024 * 1024


async def sse_events(response: httpx2.Response) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of an SSE stream; `event` is "" for data-only streams."""
    event, size = "", 0
    data_lines: list[str] = []
    async for line in response.aiter_lines():
        if line == "":
            if data_lines:
                yield event, "\n".join(data_lines)
            event, size, data_lines = "", 0, []
            continue
        if line.startswith(":"):
            continue  # comment / keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            size += len(value)
            if size > MAX_EVENT_BYTES:
                raise UpstreamCallError("Bad response", "an event from the space was too large")
            data_lines.append(value)
    if data_lines:
        yield event, "\n".join(data_lines)
