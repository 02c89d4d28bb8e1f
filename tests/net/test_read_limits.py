"""What one upstream answer may cost: JSON nesting measured without a parser, bodies read
within their cap."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from gradio_mcp.config import ConfigError, Settings
from gradio_mcp.net import ReadLimitError, json_depth, loads_json

# Strings full of what could fool a bracket counter: brackets, quotes, escapes, non-ASCII.
TRICKY = ['x"\\[{', "é]", "\\\\", '"', '\\"', "ü{[", "", "\u2028"]


def nesting(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((nesting(v) for v in value.values()), default=0)
    return 0


def document(rng: random.Random, depth: int = 0) -> Any:
    if depth > 7 or rng.random() < 0.3:
        return rng.choice([*TRICKY, 1, 2.5, None, True])
    if rng.random() < 0.5:
        return [document(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(TRICKY): document(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def test_json_depth_agrees_with_the_parsed_documents_nesting() -> None:
    rng = random.Random(8)
    for _ in range(2000):
        value = document(rng)
        text = json.dumps(value, ensure_ascii=rng.random() < 0.5)
        assert json_depth(text) == nesting(value), text


def test_brackets_inside_strings_do_not_count() -> None:
    assert json_depth('{"a": "[[[[[[[[", "b": ["\\"]]]]"]}') == 2
    assert json_depth('"unterminated [[[[') == 0


def test_a_document_nested_too_deep_is_refused_before_parsing() -> None:
    deep = "[" * 200_000 + "]" * 200_000  # far past what the recursive parser survives
    with pytest.raises(ReadLimitError, match="nests 200000 levels deep, over 64"):
        loads_json(deep, 64)
    assert loads_json(b'{"a": [[1]]}', 3) == {"a": [[1]]}
    with pytest.raises(ValueError):
        loads_json(b"\xff\xfe not utf-8", 64)


def test_documents_read_as_pythons_parser_reads_them() -> None:
    """The fast parser's refusals fall back to Python's: what a Gradio app can write still
    reads, non-finite numbers as null, and what is not JSON is still an error."""
    rng = random.Random(9)
    for _ in range(500):
        text = json.dumps(document(rng), ensure_ascii=rng.random() < 0.5)
        assert loads_json(text.encode(), 64) == json.loads(text)
    assert loads_json(b'{"v": NaN, "w": [Infinity, -Infinity]}', 64) == {"v": None, "w": [None] * 2}
    # Past 64 bits an integer reads as the nearest float, as the app's own web page reads it.
    assert loads_json(b'{"big": 123456789012345678901234567890}', 64) == {
        "big": 1.2345678901234568e29
    }
    assert loads_json(b'\xef\xbb\xbf{"bom": "\\ud800"}', 64) == {"bom": "\ud800"}
    for bad in (b"{", b"[1,]", b"nan", b""):
        with pytest.raises(ValueError):
            loads_json(bad, 64)


def test_the_caps_are_settings_with_checked_values() -> None:
    settings = Settings.from_env({"GRADIO_MCP_MAX_EVENT_BYTES": "1024"})
    assert settings.max_event_bytes == 1024
    with pytest.raises(ConfigError, match="GRADIO_MCP_MAX_HUB_BYTES='0'"):
        Settings.from_env({"GRADIO_MCP_MAX_HUB_BYTES": "0"})
