"""Tool annotations from GRADIO_MCP_TOOL_HINTS: what the operator vouches for, per space or
per endpoint, and the clear refusal of a setting that cannot be meant."""

from __future__ import annotations

import pytest

from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.catalog._hints import ToolHints
from gradio_mcp.config import ConfigError, Settings
from tests.tool_fixtures import LETTER_COUNTER, NO_DESCRIPTION, space

HINTS = "alice/Tools=read_only,idempotent; alice/tools/predict=destructive,not_idempotent"


def wire(hints: ToolHints, space_id: str, api_name: str) -> dict[str, object]:
    return hints.annotations(space_id, api_name).model_dump(by_alias=True, exclude_none=True)


def test_endpoint_words_override_the_spaces_and_others_stay_unknown() -> None:
    hints = ToolHints(HINTS)
    assert wire(hints, "alice/tools", "letter_counter") == {
        "openWorldHint": True,
        "readOnlyHint": True,
        "idempotentHint": True,
    }
    assert wire(hints, "Alice/TOOLS", "/predict") == {
        "openWorldHint": True,
        "readOnlyHint": False,
        "destructiveHint": True,
        "idempotentHint": False,
    }
    assert wire(hints, "bob/other", "predict") == {"openWorldHint": True}
    assert wire(ToolHints("bob/editor=additive"), "bob/editor", "x") == {
        "openWorldHint": True,
        "readOnlyHint": False,
        "destructiveHint": False,
    }


def test_the_catalog_lists_each_tool_with_its_own_annotations() -> None:
    spaces = [space("alice/tools", LETTER_COUNTER, NO_DESCRIPTION), space("bob/x", NO_DESCRIPTION)]
    tools = {t.name: t for t in build_catalog(spaces, hints=ToolHints(HINTS)).tools}
    counter = tools["tools__letter_counter"].annotations
    predict = tools["tools__predict"].annotations
    other = tools["x__predict"].annotations
    assert counter is not None and predict is not None and other is not None
    assert (counter.read_only_hint, counter.destructive_hint) == (True, None)
    assert (predict.read_only_hint, predict.destructive_hint) == (False, True)
    assert (other.read_only_hint, other.destructive_hint, other.open_world_hint) == (
        None,
        None,
        True,
    )
    # The title is the tool's own (a 2025-03-26 client gets it in the wire form's annotations).
    assert counter.title is None and tools["tools__letter_counter"].title


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("alice=read_only", "not target=hints"),
        ("alice/tools", "not target=hints"),
        ("alice/tools=fast", "'fast' .* is not one of read_only, additive, destructive"),
        ("alice/tools=read_only,destructive", "contradicting"),
        ("alice/tools=idempotent,not_idempotent", "contradicting"),
        ("a/b=read_only; a/b=additive", "given hints twice"),
    ],
)
def test_a_bad_setting_stops_the_program_with_the_variable_named(value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"GRADIO_MCP_TOOL_HINTS='.*': .*{message}"):
        Settings.from_env({"GRADIO_MCP_TOOL_HINTS": value})


def test_an_empty_setting_declares_nothing() -> None:
    assert not ToolHints(Settings.from_env({"GRADIO_MCP_TOOL_HINTS": " "}).tool_hints)
