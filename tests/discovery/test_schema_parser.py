"""Parsing a space's /gradio_api/info, /config and MCP schema into endpoints (pure)."""

from __future__ import annotations

import copy
import json
from typing import Any

from gradio_mcp.discovery._schema_parser import parse_space_schema
from tests.upstream import FIXTURES


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def blocks(info: Any = None, config: Any = None) -> Any:
    return parse_space_schema(
        info or load("blocks_gradio_api_info.json"),
        config or load("blocks_config.json"),
        load("blocks_gradio_api_mcp_schema.json"),
    )


def test_public_endpoints_with_call_details() -> None:
    schema = blocks()
    by_name = {e.api_name: e for e in schema.endpoints}
    assert "hidden_fn" not in by_name and "undocumented_fn" not in by_name
    assert by_name["slow_count"].generator and by_name["fast_echo"].queue is False
    assert by_name["with_state"].input_layout == (0, None)
    level = {p.name: p for p in by_name["choose"].parameters}["level"]
    assert (level.schema["minimum"], level.schema["maximum"], level.default) == (0, 10, 3)
    assert by_name["letter_counter"].parameters[0].description == "The input text to search in."
    assert "upload_file_to_gradio" not in by_name["file_info"].description
    assert schema.gradio_version == "6.31.0" and schema.api_prefix == "/gradio_api"


def test_a_space_cannot_move_calls_to_another_host_through_its_api_prefix() -> None:
    for hostile in ("@evil.example/gradio_api", ".evil.example", "/../x", "//evil.example"):
        config = copy.deepcopy(load("blocks_config.json"))
        config["api_prefix"] = hostile
        assert blocks(config=config).api_prefix == "/gradio_api"
    config = copy.deepcopy(load("blocks_config.json"))
    config["api_prefix"] = ""
    assert blocks(config=config).api_prefix == ""  # Gradio 4


def test_space_supplied_regexes_and_extensions_are_not_kept() -> None:
    """A backtracking `pattern` would run in our process on every argument check."""
    info = copy.deepcopy(load("blocks_gradio_api_info.json"))
    param = info["named_endpoints"]["/letter_counter"]["parameters"][1]
    param["type"] = {
        "type": "string",
        "pattern": "^(a+)+$",
        "format": "regex",
        "x-mcp-header": "Letter",
        "items": {"pattern": "(x+x+)+y"},
    }
    letter = next(e for e in blocks(info=info).endpoints if e.api_name == "letter_counter")
    schema = letter.parameters[1].schema
    assert schema["type"] == "string"
    assert not {"pattern", "format", "x-mcp-header"} & set(schema)
    assert "pattern" not in schema["items"]


def test_older_object_form_of_the_mcp_schema_is_read() -> None:
    mcp = {"letter_counter": {"description": "Counts letters.", "properties": {}}}
    schema = parse_space_schema(load("blocks_gradio_api_info.json"), None, mcp)
    assert schema.endpoints[0].description == "Counts letters."


def test_without_config_slider_bounds_come_from_info_and_call_details_are_unknown() -> None:
    """A listing parses /info (and the MCP schema) alone: tool schemas are the same as with
    /config, but for a slider's step, which only /config gives (a whole step makes it an
    integer), while what only a call needs is left for the call to fetch."""
    info, mcp = load("blocks_gradio_api_info.json"), load("blocks_gradio_api_mcp_schema.json")
    listing = {e.api_name: e for e in parse_space_schema(info, None, mcp).endpoints}
    full = {e.api_name: e for e in blocks().endpoints}
    assert list(listing) == list(full)

    def as_number(schema: dict[str, Any]) -> dict[str, Any]:
        return {**schema, "type": "number"} if schema.get("type") == "integer" else schema

    for name, endpoint in listing.items():
        assert [p.schema for p in endpoint.parameters] == [
            as_number(p.schema) if p.component == "Slider" else p.schema
            for p in full[name].parameters
        ], name
    steps = {p.name: p for p in full["slow_count"].parameters}["n"]
    assert steps.schema["type"] == "integer"  # step 1 between 1 and 20, from /config
    level = {p.name: p for p in listing["choose"].parameters}["level"]
    assert (level.schema["minimum"], level.schema["maximum"]) == (0, 10)
    assert listing["with_state"].fn_index is None and listing["with_state"].input_layout is None
