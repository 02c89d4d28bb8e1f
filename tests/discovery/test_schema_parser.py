"""Parsing a space's /gradio_api/info, /config and MCP schema into endpoints (pure)."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema

from gradio_mcp.discovery._schema_parser import accepting_null, parse_space_schema
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


def test_gradio_4_0_names_arguments_by_label_and_takes_defaults_from_its_inputs() -> None:
    """Early Gradio 4 (here 4.0.2, captured from tests/apps/versions_app.py) says nothing of
    parameter names or defaults in /info, names no API prefix and speaks `sse`."""
    old = FIXTURES.parent / "gradio-4.0.2"
    info = json.loads((old / "versions_info.json").read_text())
    config = json.loads((old / "versions_config.json").read_text())
    schema = parse_space_schema(info, config)
    assert (schema.gradio_version, schema.protocol, schema.api_prefix) == ("4.0.2", "sse", "")
    by_name = {e.api_name: e for e in schema.endpoints}
    mix = {p.name: p for p in by_name["mix"].parameters}
    assert list(mix) == ["number", "slider", "choice", "flag"]
    assert {n: (p.required, p.default, p.schema.get("default")) for n, p in mix.items()} == {
        "number": (False, 3.0, 3.0),
        "slider": (False, 5, 5),
        "choice": (False, "beta", "beta"),
        "flag": (False, True, True),
    }
    (file,) = by_name["inspect"].parameters
    assert file.required and not file.has_default and file.file == "single"
    assert by_name["count"].generator and by_name["count"].fn_index == 3


def test_the_queue_protocol_comes_from_config() -> None:
    assert blocks().protocol == "sse_v3"
    config = copy.deepcopy(load("blocks_config.json"))
    del config["protocol"]
    config["version"] = "3.50.2"
    assert blocks(config=config).protocol == "ws"  # Gradio 3 names none: its websocket queue
    config["version"] = "2.9.4"
    assert blocks(config=config).protocol is None
    config["protocol"] = "sse v3; evil"
    assert blocks(config=config).protocol is None  # not a name
    del config["api_prefix"]
    assert blocks(config=config).api_prefix == ""  # Gradio 4 and earlier: at the root
    schema = parse_space_schema(load("blocks_gradio_api_info.json"))
    assert (schema.protocol, schema.api_prefix) == (None, "/gradio_api")  # no /config read


def test_a_schema_made_nullable_still_says_what_else_it_takes() -> None:
    plain = accepting_null({"type": "string", "enum": ["cat", "dog"], "description": "Pet"})
    assert plain == {"type": ["string", "null"], "enum": ["cat", "dog", None], "description": "Pet"}
    file = {"type": "string", "format": "uri", "description": "A picture"}
    wrapped = accepting_null(dict(file))
    assert wrapped == {
        "description": "A picture",
        "anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}],
    }
    for schema in (plain, wrapped):
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate(None, schema)
    with_null = {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert accepting_null(with_null) is with_null


def test_inputs_whose_gradio_default_is_null_are_nullable_and_keep_their_default() -> None:
    def counter(info: Any) -> Any:
        return next(e for e in blocks(info=info).endpoints if e.api_name == "letter_counter")

    # A Textbox with no value is not null on the page (it sends ""): it stays a string.
    assert counter(None).parameters[1].schema["type"] == "string"
    info = copy.deepcopy(load("blocks_gradio_api_info.json"))
    params = info["named_endpoints"]["/letter_counter"]["parameters"]
    params[1].update(component="Dropdown", type={"type": "string", "enum": ["r", "s"]})
    params[2].update(parameter_has_default=True, parameter_default=None)
    letter, flag = counter(info).parameters[1:]
    assert letter.required and letter.schema["type"] == ["string", "null"]
    assert letter.schema["enum"] == ["r", "s", None]
    assert not flag.required and flag.schema["default"] is None
    assert flag.schema["type"] == ["boolean", "null"]
