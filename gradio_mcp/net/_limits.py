"""Reading upstream answers within bounds: size while the body streams in, JSON nesting
before it is parsed.

A body is read chunk by chunk and abandoned as soon as it passes its cap (a `Content-Length`
above the cap is refused before the first chunk), so a 50 MB answer costs what the cap
allows, not 50 MB. The cap counts decoded bytes, and httpx2 inflates compressed bodies at most
1 MiB at a time, so a compression bomb is stopped within a MiB of the cap too.

JSON nesting is measured in linear time on the text, before the parser (which recurses) and
everything downstream of it see the document, so a deeply nested answer becomes that
document's error instead of a RecursionError.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import httpx2
import orjson

from gradio_mcp.config import MAX_JSON_DEPTH, MAX_NAME_CHARS, Settings
from gradio_mcp.errors import ReadLimitError as ReadLimitError  # its home is errors.py

EXCERPT_BYTES = 4096

# Bytes that are structure: quotes and brackets (in UTF-8, no byte of a multi-byte
# character is one of them, so the text can be scanned as bytes).
_NOT_STRUCTURE = bytes(code for code in range(256) if code not in b'"[]{}')
_SQUARE = bytes.maketrans(b"{}", b"[]")
_STEP = {ord("["): 1, ord("]"): -1}
# Innermost pairs are removed a level at a time, up to this deep and in structures up to
# this long (each pass copies what is left); the rest is counted step by step.
_PEEL_LEVELS = 64
_PEEL_BYTES = 1 << 16


@dataclass(frozen=True)
class ReadLimits:
    """The caps on what one upstream answer may cost (see `Settings` for each; the JSON
    nesting and name caps are fixed for the server)."""

    hub_bytes: int
    schema_bytes: int
    event_bytes: int
    json_depth: int = MAX_JSON_DEPTH
    description_chars: int = Settings.max_description_chars
    name_chars: int = MAX_NAME_CHARS

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadLimits:
        return cls(
            hub_bytes=settings.max_hub_bytes,
            schema_bytes=settings.max_schema_bytes,
            event_bytes=settings.max_event_bytes,
            description_chars=settings.max_description_chars,
        )


DEFAULT_LIMITS = ReadLimits.from_settings(Settings())


def _declared_length(response: httpx2.Response) -> int | None:
    try:
        return int(response.headers.get("content-length", ""))
    except ValueError:
        return None


async def read_body(response: httpx2.Response, max_bytes: int, setting: str) -> bytes:
    """The whole body of a streamed response, or ReadLimitError as soon as it passes
    `max_bytes` (decoded bytes, so a compressed answer cannot hide its size)."""
    declared = _declared_length(response)
    if declared is not None and declared > max_bytes and "content-encoding" not in response.headers:
        raise ReadLimitError(f"the answer declares {declared} bytes, over {max_bytes}", setting)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ReadLimitError(f"the answer is larger than {max_bytes} bytes", setting)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_excerpt(response: httpx2.Response, max_bytes: int = EXCERPT_BYTES) -> str:
    """The start of a streamed body as text (for error messages); the rest is never read."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk[: max_bytes - size])
        size += len(chunks[-1])
        if size >= max_bytes:
            break
    return b"".join(chunks).decode("utf-8", errors="replace")


def clip_text(text: str, max_chars: int) -> str:
    """`text` cut to `max_chars` characters, an ellipsis marking the cut."""
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _no_constant(name: str) -> None:
    # NaN and Infinity are not JSON, but Python's parser takes them. Read as null (what
    # Gradio's own JSON encoder writes for them), so no non-finite number goes further.
    return None


def json_depth(text: str | bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, in linear time and without
    recursion or a parser, on its UTF-8 bytes. Escapes go first, so no quote is escaped any
    more; then everything but quotes and brackets, objects' braces becoming brackets; then
    the strings, which are every other piece between quotes (an unterminated one runs to
    the end). What is left is the brackets: each pass that deletes every adjacent `[]`
    takes away one level (at C speed, for the first levels of a structure of ordinary
    size), and what is left is counted bracket by bracket."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    data = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(_SQUARE, _NOT_STRUCTURE)
    brackets = b"".join(data.split(b'"')[::2])
    levels = 0
    while brackets and levels < _PEEL_LEVELS and len(brackets) <= _PEEL_BYTES:
        peeled = brackets.replace(b"[]", b"")
        if len(peeled) == len(brackets):
            break  # not well nested: count what is left
        brackets, levels = peeled, levels + 1
    # A pass lowers the deepest level by one at most, so this never undercounts.
    return levels + max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def loads_json(data: bytes | str, max_depth: int) -> Any:
    """Parse JSON nested at most `max_depth` deep: ReadLimitError when deeper, ValueError
    when it is not JSON (or not UTF-8)."""
    depth = json_depth(data)  # bytes when given bytes: no re-encoding
    if depth > max_depth:
        raise ReadLimitError(f"the JSON nests {depth} levels deep, over {max_depth}")
    try:
        return orjson.loads(data)  # twice as fast as Python's parser on Gradio's documents
    except orjson.JSONDecodeError:
        # What orjson refuses and Python's parser reads: NaN and Infinity (read as null), lone
        # surrogates, a byte order mark. Still an error if not JSON. (An integer past 64 bits
        # reads as the nearest float, as the app's own web page reads it.)
        text = data.decode("utf-8-sig") if isinstance(data, bytes | bytearray) else data
        return json.loads(text, parse_constant=_no_constant)
