"""Tool definitions as an MCP client sees them: schemas, descriptions, titles, annotations."""

from __future__ import annotations

import jsonschema
from mcp.types import Prompt, Tool

from gradio_mcp.catalog._arguments import validate_arguments
from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.catalog._input_schema import build_input_schema
from gradio_mcp.gradio._inputs import call_data
from gradio_mcp.models import (
    Endpoint,
    Parameter,
)
from tests.tool_fixtures import (
    CHOOSE,
    FILE_INFO,
    LETTER_COUNTER,
    NO_DESCRIPTION,
    WITH_STATE,
    space,
)


def test_tools_round_trip_through_the_mcp_model_and_schemas_are_valid() -> None:
    catalog = build_catalog(
        [space("alice/demo", LETTER_COUNTER, CHOOSE, FILE_INFO, WITH_STATE, NO_DESCRIPTION)]
    )
    for tool in catalog.tools:
        wire = tool.model_dump(by_alias=True, exclude_none=True)
        assert Tool.model_validate(wire) == tool
        assert "inputSchema" in wire and wire["annotations"]["openWorldHint"] is True
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
    for prompt in catalog.prompts:
        assert Prompt.model_validate(prompt.model_dump(by_alias=True, exclude_none=True)) == prompt


def test_schema_keeps_enums_arrays_and_falsy_defaults() -> None:
    schema = build_input_schema(CHOOSE)
    props = schema["properties"]
    assert props["option"] == {
        "type": "string",
        "enum": ["alpha", "beta", "gamma"],
        "default": "alpha",
    }
    assert props["tags"]["items"]["enum"] == ["x", "y", "z"]
    assert props["tags"]["default"] == []
    assert props["level"]["default"] == 0
    assert props["note"]["default"] == ""
    assert schema["additionalProperties"] is False
    assert "required" not in schema  # every parameter has a default


def test_schema_required_and_false_default() -> None:
    schema = build_input_schema(LETTER_COUNTER)
    assert schema["required"] == ["letter"]
    assert schema["properties"]["case_sensitive"]["default"] is False
    assert schema["properties"]["letter"]["description"] == "The single letter to count."
    assert list(schema["properties"]) == ["word", "letter", "case_sensitive"]


def test_defaults_that_do_not_fit_the_schema_are_not_advertised() -> None:
    endpoint = Endpoint("f", "", (Parameter("text", {"type": "string"}, False, True, None),), ())
    assert "default" not in build_input_schema(endpoint)["properties"]["text"]
    # ...but Gradio still gets the real default.
    assert call_data(endpoint, {}, None) == [None]


def test_nested_definitions_are_hoisted_so_refs_resolve() -> None:
    point = {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}
    endpoint = Endpoint(
        "plot",
        "",
        (
            Parameter("a", {"$defs": {"Point": point}, "$ref": "#/$defs/Point"}, True),
            Parameter(
                "b",
                {
                    "$defs": {"Point": {"type": "string"}},
                    "items": {"$ref": "#/$defs/Point"},
                    "type": "array",
                },
                True,
            ),
        ),
        (),
    )
    schema = build_input_schema(endpoint)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert validate_arguments(schema, {"a": {"x": 1}, "b": ["p"]}) == []
    problems = validate_arguments(schema, {"a": {"x": "one"}, "b": [3]})
    assert any(p.startswith("argument 'a.x'") for p in problems)
    assert any(p.startswith("argument 'b[0]'") for p in problems)


def test_description_names_space_endpoint_files_and_outputs() -> None:
    catalog = build_catalog([space("carol/files", FILE_INFO)])
    tool = catalog.tools[0]
    assert tool.description is not None
    assert tool.description.startswith(
        "Report the name and size of an uploaded file and echo it back. "
        "(Gradio Space carol/files, endpoint /file_info)"
    )
    assert "http(s) URL or a data: URI" in tool.description
    assert "Returns: Info (Json), Echoed file (File)." in tool.description
    file_prop = tool.input_schema["properties"]["file"]
    assert file_prop["format"] == "uri"
    assert "URL" in file_prop["description"] and "Input file" in file_prop["description"]


def test_description_fallback_and_title_with_emoji() -> None:
    catalog = build_catalog(
        [space("alice/art", NO_DESCRIPTION, LETTER_COUNTER, title="Art Maker", emoji="🎨")]
    )
    bare, described = catalog.tools
    assert (
        bare.description == 'Calls the /predict endpoint of the Gradio Space alice/art "Art Maker".'
    )
    assert bare.title == "🎨 Art Maker: predict"
    # Every tool built alike holds one annotations object: the title is the tool's own.
    forms = build_catalog([space("alice/art", NO_DESCRIPTION, LETTER_COUNTER)]).forms
    assert forms[0]["annotations"] is forms[1]["annotations"]
    assert described.annotations is not None and described.annotations.title is None
    plain = build_catalog([space("alice/art", NO_DESCRIPTION)]).tools[0]
    assert plain.title == "alice/art: predict"


def test_annotations_claim_only_what_is_known() -> None:
    tool = build_catalog([space("alice/letters", LETTER_COUNTER)]).tools[0]
    assert tool.annotations is not None
    assert tool.annotations.open_world_hint is True
    # Nobody vouched for what the endpoint does: the hints stay unset (unknown).
    assert tool.annotations.read_only_hint is None
    assert tool.annotations.destructive_hint is None
    assert tool.annotations.idempotent_hint is None
    wire = tool.model_dump(by_alias=True, exclude_none=True)["annotations"]
    assert set(wire) == {"openWorldHint"}
