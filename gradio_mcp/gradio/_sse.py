"""Server-sent events from a space: (event, data) pairs, bounded before anything is buffered.

Lines are split here, from the raw bytes, rather than by the HTTP client: a client's line
iterator keeps a line whole in memory however long it grows, so one endless line could use
any amount of memory before an event-size check ever ran. Here a line that passes the cap
fails the stream as soon as the bytes read so far show it, and so does an event whose data
lines add up past it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator

import httpx2

from gradio_mcp.net import DEFAULT_LIMITS, ReadLimitError

EVENT_SETTING = "GRADIO_MCP_MAX_EVENT_BYTES"
# Room on a line for its field name ("data: ") beyond the event's own bytes.
_FIELD_ROOM = 64
_LINE_END = re.compile(rb"\r\n|\r|\n")


async def bounded_lines(chunks: AsyncIterable[bytes], max_line: int) -> AsyncGenerator[bytes, None]:
    """The lines of a byte stream (CRLF, LF or CR ends them, as SSE says), without their
    ends; ReadLimitError once a line passes `max_line` bytes. Each byte is scanned once."""
    buffer = bytearray()
    scanned = 0  # buffer[:scanned] holds no line end
    async for chunk in chunks:
        buffer += chunk
        start = 0
        while (end := _LINE_END.search(buffer, scanned)) is not None:
            if end.group() == b"\r" and end.end() == len(buffer):
                break  # maybe the first half of a CRLF split between chunks
            if end.start() - start > max_line:
                raise ReadLimitError(
                    f"a line from the space is over {max_line} bytes", EVENT_SETTING
                )
            yield bytes(buffer[start : end.start()])
            start = scanned = end.end()
        del buffer[:start]
        scanned = max(len(buffer) - 1, 0) if buffer.endswith(b"\r") else len(buffer)
        if len(buffer) > max_line:
            raise ReadLimitError(f"a line from the space is over {max_line} bytes", EVENT_SETTING)
    if buffer:
        yield bytes(buffer.removesuffix(b"\r"))


async def sse_events(
    response: httpx2.Response, max_event_bytes: int = DEFAULT_LIMITS.event_bytes
) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of an SSE stream; `event` is "" for data-only streams."""
    event, size = "", 0
    data_lines: list[str] = []
    first = True
    lines = bounded_lines(response.aiter_bytes(), max_event_bytes + _FIELD_ROOM)
    async with contextlib.aclosing(lines):
        async for raw in lines:
            line = raw.decode("utf-8", errors="replace")
            if first:
                line, first = line.removeprefix("\ufeff"), False
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
                size += len(raw) - len(name) - 1
                if size > max_event_bytes:
                    raise ReadLimitError(
                        f"an event from the space is over {max_event_bytes} bytes", EVENT_SETTING
                    )
                data_lines.append(value)
    if data_lines:
        yield event, "\n".join(data_lines)
