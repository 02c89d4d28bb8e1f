"""Values shown to people in messages: as JSON, cut short (a data: URI helps nobody)."""

from __future__ import annotations

import json
from typing import Any


def show_value(value: Any, limit: int = 60) -> str:
    """A value as JSON, cut short: a data: URI in an error message helps nobody."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
