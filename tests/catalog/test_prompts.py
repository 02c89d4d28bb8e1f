"""Prompts built from endpoints, and their rendering."""

from __future__ import annotations

import json

import pytest
from mcp.types import GetPromptResult, TextContent

from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.catalog._prompts import render_prompt
from gradio_mcp.errors import UnknownNameError
from tests.tool_fixtures import (
    CHOOSE,
    LETTER_COUNTER,
    space,
)


def test_one_prompt_per_tool_with_its_arguments() -> None:
    catalog = build_catalog([space("alice/demo", LETTER_COUNTER, CHOOSE)])
    assert [p.name for p in catalog.prompts] == [t.name for t in catalog.tools]
    prompt = catalog.prompt("demo__letter_counter")
    assert prompt.arguments is not None
    args = {a.name: a for a in prompt.arguments}
    assert list(args) == ["word", "letter", "case_sensitive"]
    assert args["letter"].required is True and args["word"].required is False
    assert args["letter"].description == "The single letter to count. (string)"
    choose = {a.name: a for a in catalog.prompt("demo__choose").arguments or []}
    assert choose["option"].description is not None
    assert 'one of "alpha", "beta", "gamma"' in choose["option"].description
    assert "from 0 to 10" in (choose["level"].description or "")


def test_render_prompt_asks_for_the_call_and_the_missing_values() -> None:
    catalog = build_catalog([space("alice/demo", LETTER_COUNTER)])
    result = render_prompt(
        catalog.resolve_prompt("demo__letter_counter"), {"word": "banana", "case_sensitive": "true"}
    )
    assert isinstance(result, GetPromptResult)
    content = result.messages[0].content
    assert isinstance(content, TextContent)
    text = content.text
    assert "`demo__letter_counter`" in text and "alice/demo" in text
    shown = json.loads(text[text.index("{") : text.index("}") + 1])
    assert shown == {"word": "banana", "case_sensitive": True}
    assert "missing" in text and "letter (The single letter to count.)" in text


def test_render_prompt_with_everything_given_and_bad_values() -> None:
    catalog = build_catalog([space("alice/demo", CHOOSE)])
    ref = catalog.resolve_prompt("demo__choose")
    text = render_prompt(ref, {"level": "11", "option": ""}).messages[0].content
    assert isinstance(text, TextContent)
    assert "missing" not in text.text
    assert "11 is greater than the maximum of 10" in text.text
    assert 'option = "alpha"' in text.text  # a blank field means "use the default"


def test_render_unknown_prompt() -> None:
    catalog = build_catalog([space("alice/demo", CHOOSE)])
    with pytest.raises(UnknownNameError, match="Unknown prompt: nope"):
        catalog.resolve_prompt("nope")
