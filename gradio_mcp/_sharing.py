"""One copy of each JSON value that many spaces hold alike.

A server of a thousand spaces would otherwise hold the same small schemas thousands of
times (a Textbox's `{"type": "string"}`, a Number's, a file URL's, ...), and spaces duplicated
from one another hold whole identical tool schemas. `shared_json(value)` returns the copy
already kept of a value with the same JSON text (so `1`, `1.0` and `true` stay apart, and
key order is kept), else keeps this one.

What it hands out is shared: nobody may change it. Discovery and the catalog only ever build
new values from these (a tool's schema is built from a deep copy), never change one in place.

The index is bounded (least recently used out first): an evicted value stays valid where it
is held, it is only no longer shared with values built after it. Thread-safe: big catalogs
are built in a worker thread while the event loop parses schemas.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, TypeVar, cast

T = TypeVar("T")

# About what the index may hold, in characters of JSON text (each entry is counted with an
# allowance for its own bookkeeping); a value's text over `_MAX_TEXT` is never indexed.
_BUDGET = 4_000_000
_ENTRY_OVERHEAD = 200
_MAX_TEXT = 64_000

_lock = threading.Lock()
_index: OrderedDict[str, Any] = OrderedDict()
_size = 0


def shared_json(value: T) -> T:
    """The kept copy of a JSON value equal to `value` (same JSON text), else `value`, now kept.
    Neither may be changed afterwards. A value JSON cannot hold is returned as it is."""
    global _size
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return value
    if len(text) > _MAX_TEXT:
        return value
    with _lock:
        kept = _index.get(text)
        if kept is not None:
            _index.move_to_end(text)
            return cast(T, kept)
        _index[text] = value
        _size += len(text) + _ENTRY_OVERHEAD
        while _size > _BUDGET and _index:
            old, _ = _index.popitem(last=False)
            _size -= len(old) + _ENTRY_OVERHEAD
    return value


def shared_count() -> int:
    """How many distinct values are indexed (for tests and benchmarks)."""
    return len(_index)
