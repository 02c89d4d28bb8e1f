"""List cursors."""

from __future__ import annotations

import re

import pytest

from gradio_mcp.serving._pagination import decode_cursor, encode_cursor, paginate


def test_cursors_page_through_everything_once() -> None:
    items = list(range(7))
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page, cursor = paginate(items, cursor, 3)
        seen += page
        pages += 1
        if cursor is None:
            break
        assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert seen == items and pages == 3
    assert decode_cursor(encode_cursor({"o": 42})) == {"o": 42}


@pytest.mark.parametrize(
    "cursor",
    ["", "garbage!", "MTI", encode_cursor({"o": 3})[:-2], encode_cursor({"o": -1}), "Z21jcDE6LTE"],
)
def test_invalid_cursors_are_rejected_clearly(cursor: str) -> None:
    with pytest.raises(ValueError, match="invalid cursor"):
        paginate([1, 2, 3], cursor, 1)


def test_cursor_past_a_shrunken_list_gives_an_empty_last_page() -> None:
    assert paginate([1, 2], encode_cursor({"o": 5}), 3) == ([], None)
