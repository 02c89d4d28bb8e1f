"""One copy of each JSON value (and short text) that many spaces hold alike.

A server of a thousand spaces would otherwise hold the same small schemas thousands of
times (a Textbox's `{"type": "string"}`, a Number's, a file URL's, ...), and spaces duplicated
from one another hold whole identical tool schemas. `shared_json(value)` returns the copy
already kept of a value with the same JSON text (so `1`, `1.0` and `true` stay apart, and
key order is kept), else keeps this one. `shared_text` does the same for short texts (names,
labels, component names, versions): each parsed document has its own copy of every text.

What it hands out is shared: nobody may change it. Discovery and the catalog only ever build
new values from these (a tool's schema is built from a deep copy), never change one in place.

The indexes are bounded (least recently used out first), so values no other space holds
cost a fixed amount at most: an evicted value stays valid where it is held, it is only no
longer shared with values built after it. Thread-safe: big catalogs are built in a worker
thread while the event loop parses schemas.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, TypeVar, cast

T = TypeVar("T")
_ABSENT = object()


class _Index:
    """Values by key, least recently used out first once over `budget` characters of keys
    (each entry counted with `overhead` for its bookkeeping)."""

    def __init__(self, budget: int, overhead: int) -> None:
        self.budget = budget
        self.overhead = overhead
        self.size = 0
        self.entries: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def shared(self, key: str, value: Any) -> Any:
        with self.lock:
            kept = self.entries.get(key, _ABSENT)
            if kept is not _ABSENT:  # a kept None (JSON null) is kept too
                self.entries.move_to_end(key)
                return kept
            self.entries[key] = value
            self.size += len(key) + self.overhead
            while self.size > self.budget and self.entries:
                old, _ = self.entries.popitem(last=False)
                self.size -= len(old) + self.overhead
        return value


# A fixed cost of about a megabyte at most (values kept alive included), enough for the
# fragments that recur across spaces (the recently used stay) and for whole schemas of
# duplicated spaces. A value whose JSON text is over `_MAX_JSON` is not indexed.
_values = _Index(budget=256_000, overhead=200)
_MAX_JSON = 16_000
_texts = _Index(budget=64_000, overhead=100)
_MAX_TEXT = 100


def shared_json(value: T) -> T:
    """The kept copy of a JSON value equal to `value` (same JSON text), else `value`, now kept.
    Neither may be changed afterwards. A value JSON cannot hold is returned as it is."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return value
    if len(text) > _MAX_JSON:
        return value
    return cast(T, _values.shared(text, value))


def shared_text(text: T) -> T:
    """The kept copy of a short text equal to `text`, else `text`, now kept; anything that is
    not a short text is returned as it is."""
    if isinstance(text, str) and len(text) <= _MAX_TEXT:
        return cast(T, _texts.shared(text, text))
    return text
