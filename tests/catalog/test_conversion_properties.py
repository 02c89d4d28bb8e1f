"""Property-based tests of the conversions between a space's documents and MCP: whatever a
space serves (`tests/gradio_documents.py` generates Gradio-shaped documents, hostile ones
included), reading it never raises anything but that space's `SpaceError`, and every tool
and prompt made from it is one the MCP types and a JSON Schema validator accept (the form a
catalog keeps a tool in included)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
from hypothesis import given
from hypothesis import strategies as st
from mcp.types import Prompt, Tool

from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.catalog._input_schema import _schema_default
from gradio_mcp.discovery._schema_parser import parse_space_schema
from gradio_mcp.errors import SpaceError
from gradio_mcp.models import GradioSpace, Parameter, SpaceMetadata
from tests import gradio_documents as docs

TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
METADATA = SpaceMetadata("alice/app", False, "gradio", "alice-app", "https://alice-app.hf.space")


def check_schema(schema: Any) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)


def assert_valid_tools(space: GradioSpace) -> None:
    catalog = build_catalog([space])
    assert catalog.failures == {}, catalog.failures
    assert len(catalog.tools) == len(space.endpoints)
    names = [tool.name for tool in catalog.tools]
    assert len(set(names)) == len(names)
    for tool, form in zip(catalog.tools, catalog.forms, strict=True):
        assert TOOL_NAME.fullmatch(tool.name), tool.name
        wire = tool.model_dump(by_alias=True, mode="json", exclude_none=True)
        # The form a catalog keeps is the tool's JSON form, and a valid MCP tool.
        assert wire == form
        assert (
            Tool.model_validate(form).model_dump(by_alias=True, mode="json", exclude_none=True)
            == form
        )
        assert wire["inputSchema"]["type"] == "object"
        check_schema(wire["inputSchema"])
        if "outputSchema" in wire:
            check_schema(wire["outputSchema"])
        # The argument checker and output validator compile (they run on every call).
        ref = catalog.resolve(tool.name)
        assert ref.checker is not None
        assert ref.output_validator is None or ref.output_validator.schema is not None
    for prompt in catalog.prompts:
        Prompt.model_validate(prompt.model_dump(by_alias=True, mode="json", exclude_none=True))
    assert catalog.failures == {}, catalog.failures


@given(info=docs.infos, config=docs.configs, mcp_schema=docs.mcp_schemas)
def test_any_documents_give_valid_tools_or_the_space_error(
    info: Any, config: Any, mcp_schema: Any
) -> None:
    try:
        schema = parse_space_schema(info, config, mcp_schema)
    except SpaceError:
        return  # the space's own error: a catalog is built from the others
    assert_valid_tools(GradioSpace("alice/app", METADATA, schema))


@given(documents=docs.consistent_documents())
def test_matching_info_and_config_give_valid_tools_and_output_schemas(
    documents: tuple[Any, Any, Any],
) -> None:
    try:
        schema = parse_space_schema(*documents)
    except SpaceError:
        return
    assert_valid_tools(GradioSpace("alice/app", METADATA, schema))


@given(mcp_schema=docs.mcp_schemas)
def test_an_mcp_schema_alone_gives_valid_tools_or_the_space_error(mcp_schema: Any) -> None:
    try:
        schema = parse_space_schema(None, None, mcp_schema)
    except SpaceError:
        return
    assert_valid_tools(GradioSpace("alice/app", METADATA, schema))


@given(info=docs.hostile, config=docs.hostile, mcp_schema=docs.hostile)
def test_any_json_at_all_is_read_or_refused_as_the_space_error(
    info: Any, config: Any, mcp_schema: Any
) -> None:
    try:
        schema = parse_space_schema(info, config, mcp_schema)
    except SpaceError:
        return
    assert_valid_tools(GradioSpace("alice/app", METADATA, schema))


_JSON_TYPES = ["string", "number", "integer", "boolean", "null", "array", "object", "file"]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@given(
    st.sampled_from(_JSON_TYPES),
    st.sampled_from([{}, {"description": "d"}, {"minimum": 0}, {"enum": [1, "a"]}]),
    _VALUES,
)
def test_a_default_is_advertised_exactly_when_its_schema_accepts_it(
    kind: str, extra: dict[str, Any], value: Any
) -> None:
    """The shortcut for schemas of one plain type agrees with a compiled validator."""
    fragment = {"type": kind, **extra}
    parameter = Parameter("p", fragment, required=False, has_default=True, default=value)
    try:
        expected = jsonschema.Draft202012Validator(fragment).is_valid(value)
    except Exception:
        expected = False
    assert _schema_default(parameter, fragment)[0] is expected
