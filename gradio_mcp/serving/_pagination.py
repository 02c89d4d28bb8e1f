"""Opaque cursors (one format for every paged answer: list pages, space searches) and the
pages of a list."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from gradio_mcp.catalog import show_value
from gradio_mcp.net import ReadLimitError, loads_json

T = TypeVar("T")


_CURSOR_PREFIX = "gmcp2:"  # a version, so a future cursor format can tell old cursors apart
_LIST_CURSOR_CHARS = 64


def encode_cursor(state: Mapping[str, Any]) -> str:
    """An opaque cursor holding `state` (a flat JSON object), URL-safe, for any list or
    search this server pages through."""
    raw = _CURSOR_PREFIX + json.dumps(state, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, max_chars: int = _LIST_CURSOR_CHARS) -> dict[str, Any]:
    """The state inside a cursor from `encode_cursor`; ValueError for anything else."""
    bad = ValueError(
        f"invalid cursor {show_value(cursor, 40)}: use a nextCursor this server returned"
    )
    if not isinstance(cursor, str) or not cursor or len(cursor) > max_chars:
        raise bad
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        state = loads_json(text.removeprefix(_CURSOR_PREFIX).encode(), max_depth=1)
    except (binascii.Error, UnicodeDecodeError, ValueError, ReadLimitError):
        raise bad from None
    if not text.startswith(_CURSOR_PREFIX) or not isinstance(state, dict):
        raise bad
    return state


def _offset(cursor: str) -> int:
    offset = decode_cursor(cursor).get("o")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValueError(
            f"invalid cursor {show_value(cursor, 40)}: use a nextCursor this server returned"
        )
    return offset


def paginate(items: Sequence[T], cursor: str | None, page_size: int) -> tuple[list[T], str | None]:
    """One page of `items` and the cursor of the next page (None on the last page).

    A cursor past the end (the list shrank since it was issued) gives an empty last page
    rather than an error: the client did nothing wrong.
    """
    if page_size < 1:
        raise ValueError(f"page size must be >= 1, got {page_size}")
    start = 0 if cursor is None else _offset(cursor)
    end = start + page_size
    page = list(items[start:end])
    return page, (encode_cursor({"o": end}) if end < len(items) else None)
