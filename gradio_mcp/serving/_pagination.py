"""Opaque cursors for paginated lists."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from gradio_mcp.catalog import show_value

T = TypeVar("T")


_CURSOR_PREFIX = "gmcp1:"  # a version, so a future cursor format can tell old cursors apart


def encode_cursor(offset: int) -> str:
    """An opaque cursor for the page starting at `offset`."""
    if offset < 0:
        raise ValueError(f"cursor offset must be >= 0, got {offset}")
    raw = f"{_CURSOR_PREFIX}{offset}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset inside a cursor from `encode_cursor`; ValueError for anything else."""
    bad = ValueError(
        f"invalid cursor {show_value(cursor, 40)}: use a nextCursor this server returned"
    )
    if not isinstance(cursor, str) or not cursor or len(cursor) > 64:
        raise bad
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    digits = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not digits.isdigit() or not digits.isascii():
        raise bad
    return int(digits)


def paginate(items: Sequence[T], cursor: str | None, page_size: int) -> tuple[list[T], str | None]:
    """One page of `items` and the cursor of the next page (None on the last page).

    A cursor past the end (the list shrank since it was issued) gives an empty last page
    rather than an error: the client did nothing wrong.
    """
    if page_size < 1:
        raise ValueError(f"page size must be >= 1, got {page_size}")
    start = 0 if cursor is None else decode_cursor(cursor)
    end = start + page_size
    page = list(items[start:end])
    return page, (encode_cursor(end) if end < len(items) else None)
