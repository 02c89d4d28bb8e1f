"""Sections of the docs that a test writes from what it measured: the test fails when the
page does not show this run's result, and rewrites it with GRADIO_MCP_WRITE_COMPAT=1."""

from __future__ import annotations

import os
from pathlib import Path


def check_section(doc: Path, start: str, end: str, section: str, test_file: str) -> None:
    """`doc` between its `start` and `end` markers must read `section`."""
    page = doc.read_text(encoding="utf-8")
    head, found, rest = page.partition(start)
    assert found, f"{doc.name} has no {start!r}"
    _, _, tail = rest.partition(end)
    updated = head + section + tail
    if os.environ.get("GRADIO_MCP_WRITE_COMPAT") == "1":
        doc.write_text(updated, encoding="utf-8")
        return
    assert page == updated, (
        f"{doc.name} does not show this run's result; regenerate it with"
        f" GRADIO_MCP_WRITE_COMPAT=1 pytest {test_file}"
    )
