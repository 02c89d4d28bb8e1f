"""What spaces hold alike is held once: equal schemas are one object, tools carry no copies,
and none of it changes what a client receives."""

from __future__ import annotations

import copy
import json

import pytest
from mcp.types import ListToolsResult, Tool, ToolAnnotations

from gradio_mcp._sharing import shared_json, shared_text
from gradio_mcp.catalog import ToolHints
from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.discovery._schema_parser import parse_space_schema
from gradio_mcp.models import GradioSpace, Parameter, SpaceMetadata
from tests.tool_fixtures import CHOOSE, FILE_INFO, LETTER_COUNTER, space

FIXTURES = "tests/fixtures/gradio-6.31"


def _documents(name: str) -> dict[str, object]:
    with open(f"{FIXTURES}/{name}") as file:
        loaded: dict[str, object] = json.load(file)
    return loaded


def _parsed(space_id: str) -> GradioSpace:
    """A space parsed from its own freshly decoded documents, as discovery does."""
    schema = parse_space_schema(
        _documents("blocks_gradio_api_info.json"),
        _documents("blocks_config.json"),
        _documents("blocks_gradio_api_mcp_schema.json"),
    )
    metadata = SpaceMetadata(space_id, False, "gradio", space_id.replace("/", "-"), None)
    return GradioSpace(space_id, metadata, schema)


def test_spaces_parsed_from_equal_documents_share_their_schemas() -> None:
    first, second = _parsed("alice/one"), _parsed("bob/two")
    for a, b in zip(first.endpoints, second.endpoints, strict=True):
        for pa, pb in zip(a.parameters, b.parameters, strict=True):
            assert pa.schema is pb.schema
            assert pa.component is pb.component and pa.name is pb.name
        for ra, rb in zip(a.returns, b.returns, strict=True):
            assert ra.schema is rb.schema
    catalog = build_catalog([first, second])
    tools = {tool.name: tool for tool in catalog.tools}
    one, two = tools["one__letter_counter"], tools["two__letter_counter"]
    assert one.input_schema is two.input_schema
    assert one.output_schema is not None and one.output_schema is two.output_schema
    assert one.meta != two.meta  # what names the space stays its own


def test_sharing_null_again_and_again_leaves_room_for_everything_else() -> None:
    """JSON null is a value like any: sharing it a million times (every default of None)
    once wore the index's budget away, after which nothing was shared any more."""
    for _ in range(20_000):
        shared_json(None)
    first = {"type": "string", "title": "kept"}
    assert shared_json(copy.deepcopy(first)) is shared_json(copy.deepcopy(first))


def test_values_that_differ_as_json_are_never_shared() -> None:
    # Python holds 1 == 1.0 == True; a schema does not.
    schemas = [{"const": 1}, {"const": 1.0}, {"const": True}, {"default": 1, "type": "integer"}]
    kept = [shared_json(copy.deepcopy(s)) for s in schemas]
    for schema, value in zip(schemas, kept, strict=True):
        assert json.dumps(value) == json.dumps(schema)
    assert len({id(v) for v in kept}) == len(kept)
    # The same keys in another order are another schema (the order is what clients see).
    assert list(shared_json({"b": 1, "a": 2})) == ["b", "a"]
    assert list(shared_json({"a": 2, "b": 1})) == ["a", "b"]
    assert shared_text("Textbox") is shared_text("".join(["Text", "box"]))


def test_parameters_with_equal_schemas_share_one_object_built_from_separate_dicts() -> None:
    a = Parameter("x", {"type": "string", "description": "A name."}, True)
    b = Parameter("y", json.loads('{"type": "string", "description": "A name."}'), True)
    assert a.schema is b.schema


def test_tools_serialize_as_validated_tools_would() -> None:
    """Built without validation, the tools a client receives are the very same bytes, for
    every option the SDK serializes with (it leaves unset fields out)."""
    hints = ToolHints("alice/demo=read_only,idempotent")
    catalog = build_catalog(
        [space("alice/demo", LETTER_COUNTER, CHOOSE, FILE_INFO, title="Demo", emoji="🔤")],
        hints=hints,
    )
    for tool in catalog.tools:
        validated = Tool.model_validate(tool.model_dump(by_alias=True, exclude_unset=True))
        assert validated.model_fields_set == tool.model_fields_set
        assert tool.annotations is not None and validated.annotations is not None
        assert validated.annotations.model_fields_set == tool.annotations.model_fields_set
        for options in ({"exclude_unset": True}, {"exclude_none": True}, {}):
            assert ListToolsResult(tools=[tool]).model_dump_json(
                by_alias=True, **options
            ) == ListToolsResult(tools=[validated]).model_dump_json(by_alias=True, **options)


def test_a_catalog_tool_is_never_changed_in_place_but_copies_are_plain() -> None:
    """Tools share their record of given fields: changing one in place would change what
    every tool's answer includes, so it is refused; a copy is a tool of its own."""
    tool = build_catalog([space("alice/demo", LETTER_COUNTER)]).tools[0]
    with pytest.raises(TypeError):
        tool.icons = []
    copied = tool.model_copy(update={"title": "Another"})
    assert copied.title == "Another" and tool.title != "Another"
    assert isinstance(tool.annotations, ToolAnnotations)
    deep = tool.model_copy(deep=True)
    deep.icons = []
    assert "icons" in deep.model_fields_set and "icons" not in tool.model_fields_set
