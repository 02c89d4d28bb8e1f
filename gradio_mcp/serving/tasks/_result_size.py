"""A task result kept within a size cap: inline media become their links, long text is cut.

A synchronous call hands its result over once; a task's result is stored until its TTL and
may be read many times, so it is bounded. Every inline image or audio block of a result
already comes with a resource link to the same file (see `serving/_results.py`), so dropping
the inline copy loses nothing a client cannot fetch again.
"""

from __future__ import annotations

import json
from typing import Any

INLINE_TYPES = ("image", "audio")
CUT_MARK = "… [cut: the task result was larger than this server keeps]"


def json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def fit_result(result: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    """`result` (a CallToolResult as sent on the wire) shrunk to at most `max_bytes`."""
    if json_size(result) <= max_bytes:
        return result
    content = [b for b in result.get("content") or [] if isinstance(b, dict)]
    dropped = sum(1 for b in content if b.get("type") in INLINE_TYPES)
    kept = [dict(b) for b in content if b.get("type") not in INLINE_TYPES]
    if dropped:
        kept.insert(
            0,
            {
                "type": "text",
                "text": f"{dropped} inline image or audio output(s) left out of the stored"
                " result for size; the resource links fetch them.",
            },
        )
    fitted = {**result, "content": kept}
    if json_size(fitted) <= max_bytes:
        return fitted
    # structuredContent repeats the text outputs (and our tools declare no output schema).
    fitted.pop("structuredContent", None)
    for block in sorted(
        (b for b in kept if b.get("type") == "text"), key=lambda b: -len(b["text"])
    ):
        excess = json_size(fitted) - max_bytes
        if excess <= 0:
            break
        text = block["text"]
        keep = max(0, len(text.encode()) - excess - len(CUT_MARK.encode()) - 16)
        block["text"] = text.encode()[:keep].decode(errors="ignore") + CUT_MARK
    if json_size(fitted) <= max_bytes:
        return fitted
    return {
        "content": [
            {
                "type": "text",
                "text": f"The result ({json_size(result)} bytes) is larger than this server"
                f" keeps for a task ({max_bytes} bytes).",
            }
        ],
        "isError": True,
    }
