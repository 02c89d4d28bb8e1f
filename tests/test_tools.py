"""Tool/prompt definitions as an MCP client sees them, argument checks and list cursors."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from mcp.types import GetPromptResult, Prompt, TextContent, Tool

from gradio_mcp.models import (
    Endpoint,
    ErrorKind,
    GradioSpace,
    Parameter,
    Return,
    SpaceError,
    SpaceMetadata,
    SpaceSchema,
)
from gradio_mcp.tools import (
    MAX_NAME_LENGTH,
    ToolArgumentError,
    UnknownNameError,
    assign_tool_names,
    build_catalog,
    build_input_schema,
    check_arguments,
    decode_cursor,
    encode_cursor,
    paginate,
    positional_data,
    qualified_tool_name,
    render_prompt,
    validate_arguments,
)

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# Endpoints mirroring fixtures/gradio-6.31/blocks_gradio_api_info.json and the interface app.
LETTER_COUNTER = Endpoint(
    api_name="letter_counter",
    description="Count how many times a letter occurs in a word or sentence.",
    parameters=(
        Parameter("word", {"type": "string"}, False, True, "strawberry", "The text to search."),
        Parameter("letter", {"type": "string"}, True, False, None, "The single letter to count."),
        Parameter("case_sensitive", {"type": "boolean"}, False, True, False),
    ),
    returns=(Return("Count", "Number", {"type": "number"}),),
)
CHOOSE = Endpoint(
    api_name="choose",
    description="Custom API description set via api_description.",
    parameters=(
        Parameter(
            "option", {"type": "string", "enum": ["alpha", "beta", "gamma"]}, False, True, "alpha"
        ),
        Parameter("level", {"type": "number", "minimum": 0, "maximum": 10}, False, True, 0),
        Parameter(
            "tags",
            {"type": "array", "items": {"enum": ["x", "y", "z"], "type": "string"}},
            False,
            True,
            [],
        ),
        Parameter("note", {"type": "string"}, False, True, ""),
    ),
    returns=(Return("Choice", "Textbox", {"type": "string"}),),
)
FILE_INFO = Endpoint(
    api_name="file_info",
    description="Report the name and size of an uploaded file and echo it back.",
    parameters=(
        Parameter(
            "file",
            {"type": "string", "format": "uri"},
            True,
            label="Input file",
            component="File",
            file="single",
        ),
        Parameter("note", {"type": "string"}, True, label="Note", component="Textbox"),
    ),
    returns=(Return("Info", "Json", {}), Return("Echoed file", "File", {}, file="single")),
)
WITH_STATE = Endpoint(
    api_name="with_state",
    description="Append to a session state list.",
    parameters=(Parameter("text", {"type": "string"}, True),),
    returns=(Return("History", "Json", {}),),
    fn_index=7,
    input_layout=(0, None),
)
NO_DESCRIPTION = Endpoint(api_name="predict", description="", parameters=(), returns=())


def space(
    space_id: str,
    *endpoints: Endpoint,
    title: str | None = None,
    emoji: str | None = None,
) -> GradioSpace:
    metadata = SpaceMetadata(
        space_id, False, "gradio", space_id.replace("/", "-"), None, title=title, emoji=emoji
    )
    return GradioSpace(space_id, metadata, SpaceSchema(tuple(endpoints)))


def failed(space_id: str) -> GradioSpace:
    return GradioSpace(space_id, error=SpaceError(ErrorKind.TIMEOUT, "timed out"))


def names_by_endpoint(spaces: list[GradioSpace]) -> dict[tuple[str, str], str]:
    catalog = build_catalog(spaces)
    return {(ref.space_id, ref.api_name): ref.name for ref in catalog.refs}


# --- names -----------------------------------------------------------------------------------


def test_names_are_short_readable_and_valid() -> None:
    catalog = build_catalog([space("alice/letters", LETTER_COUNTER, CHOOSE)])
    assert [tool.name for tool in catalog.tools] == ["letters__letter_counter", "letters__choose"]


def test_awkward_characters_are_sanitised() -> None:
    weird = Endpoint("predict.v2 (beta)/ü", "", (), ())
    catalog = build_catalog([space("black-forest-labs/FLUX.1-schnell", weird)])
    (name,) = [tool.name for tool in catalog.tools]
    assert NAME_RE.match(name)
    assert name == "FLUX_1-schnell__predict_v2_beta"


def test_name_of_an_endpoint_survives_other_spaces_being_added_removed_reordered_or_failing() -> (
    None
):
    a = space("alice/letters", LETTER_COUNTER)
    b = space("bob/chooser", CHOOSE)
    c = space("carol/files", FILE_INFO)
    alone = names_by_endpoint([a])
    everyone = names_by_endpoint([c, b, a])
    with_failure = names_by_endpoint([failed("dave/broken"), a, b])
    assert alone[("alice/letters", "letter_counter")] == "letters__letter_counter"
    assert everyone[("alice/letters", "letter_counter")] == "letters__letter_counter"
    assert with_failure[("alice/letters", "letter_counter")] == "letters__letter_counter"
    assert everyone[("bob/chooser", "choose")] == with_failure[("bob/chooser", "choose")]


def test_same_space_name_under_two_owners_gets_distinct_stable_names() -> None:
    alice = space("alice/flux", LETTER_COUNTER)
    bob = space("bob/flux", LETTER_COUNTER)
    names = names_by_endpoint([alice, bob])
    assert len(set(names.values())) == 2
    assert all(NAME_RE.match(name) for name in names.values())
    # Neither owner keeps the bare short name: it would silently mean a different space
    # depending on which other spaces are configured.
    assert "flux__letter_counter" not in names.values()
    assert names == names_by_endpoint([bob, alice])
    # A failed duplicate still counts, so a flaky space does not rename the healthy one.
    assert (
        names_by_endpoint([alice, failed("bob/flux")])[("alice/flux", "letter_counter")]
        == (names[("alice/flux", "letter_counter")])
    )


def test_qualified_name_always_resolves_even_when_the_short_name_is_listed() -> None:
    catalog = build_catalog([space("alice/flux", LETTER_COUNTER)])
    listed = catalog.tools[0]
    qualified = listed.meta["gradio-mcp/qualified_name"] if listed.meta else ""
    assert listed.name == "flux__letter_counter"
    assert qualified != listed.name
    # After bob/flux appears, the qualified name alice's client pinned still works...
    later = build_catalog([space("alice/flux", LETTER_COUNTER), space("bob/flux", CHOOSE)])
    assert later.resolve(qualified).space_id == "alice/flux"
    assert later.tools[0].name == qualified
    # ...and the old short name fails clearly instead of reaching bob's space.
    with pytest.raises(UnknownNameError, match="Unknown tool: flux__letter_counter"):
        later.resolve("flux__letter_counter")


def test_very_long_names_fit_the_budget_and_stay_unique() -> None:
    long_space = "some-org/" + "a-very-long-space-name-that-keeps-going-" * 2
    endpoints = [
        Endpoint("generate_image_with_extremely_long_endpoint_name_" + s, "", (), ())
        for s in ("one", "two")
    ]
    catalog = build_catalog([space(long_space, *endpoints)])
    names = [tool.name for tool in catalog.tools]
    assert len(set(names)) == 2
    for name in names:
        assert NAME_RE.match(name)
        assert len(name) <= 48
        assert name.startswith("a-very-long-space")
        assert "generate_image" in name
    # The hard limit can be raised to 64, never beyond.
    wide = build_catalog([space(long_space, *endpoints)], max_name_length=MAX_NAME_LENGTH)
    assert all(len(tool.name) <= 64 for tool in wide.tools)
    with pytest.raises(ValueError, match="between"):
        build_catalog([space(long_space, *endpoints)], max_name_length=65)


def test_endpoints_that_sanitise_alike_are_told_apart() -> None:
    names = assign_tool_names(["alice/demo"], [("alice/demo", "a.b"), ("alice/demo", "a_b")])
    listed = [n.name for n in names.values()]
    assert len(set(listed)) == 2
    assert all(name.startswith("demo__a_b_") for name in listed)


def test_qualified_names_depend_only_on_the_endpoint() -> None:
    first = qualified_tool_name("alice/flux", "infer")
    assert first == qualified_tool_name("alice/flux", "/infer")
    assert first != qualified_tool_name("bob/flux", "infer")
    assert re.fullmatch(r"flux__infer_[0-9a-f]{6}", first)


def test_same_space_twice_lists_its_tools_once() -> None:
    catalog = build_catalog([space("alice/letters", LETTER_COUNTER)] * 2)
    assert [tool.name for tool in catalog.tools] == ["letters__letter_counter"]


def test_order_follows_spaces_then_endpoints_and_failed_spaces_add_nothing() -> None:
    catalog = build_catalog(
        [
            space("bob/chooser", CHOOSE, FILE_INFO),
            failed("x/y"),
            space("alice/letters", LETTER_COUNTER),
        ]
    )
    assert [(r.space_id, r.api_name) for r in catalog.refs] == [
        ("bob/chooser", "choose"),
        ("bob/chooser", "file_info"),
        ("alice/letters", "letter_counter"),
    ]


def test_resolve_gives_back_space_and_endpoint() -> None:
    catalog = build_catalog([space("alice/letters", LETTER_COUNTER)])
    ref = catalog.resolve("letters__letter_counter")
    assert (ref.space_id, ref.api_name, ref.endpoint) == (
        "alice/letters",
        "letter_counter",
        LETTER_COUNTER,
    )
    with pytest.raises(UnknownNameError):
        catalog.resolve("letters__nope")


# --- tool definitions ------------------------------------------------------------------------


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
    assert positional_data(endpoint, {}) == [None]


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
    assert described.annotations is not None and described.annotations.title == described.title
    plain = build_catalog([space("alice/art", NO_DESCRIPTION)]).tools[0]
    assert plain.title == "alice/art: predict"


def test_annotations_are_conservative_for_remote_code() -> None:
    tool = build_catalog([space("alice/letters", LETTER_COUNTER)]).tools[0]
    assert tool.annotations is not None
    assert tool.annotations.open_world_hint is True
    assert tool.annotations.read_only_hint is False
    assert tool.annotations.destructive_hint is True


# --- validation ------------------------------------------------------------------------------


def test_valid_arguments_pass() -> None:
    assert validate_arguments(CHOOSE, {"option": "beta", "level": 10, "tags": ["x"]}) == []
    assert validate_arguments(LETTER_COUNTER, {"letter": "r"}) == []
    check_arguments(FILE_INFO, {"file": "data:text/plain;base64,aGk=", "note": "n"})


@pytest.mark.parametrize(
    ("endpoint", "arguments", "expected"),
    [
        (LETTER_COUNTER, {}, "missing required argument 'letter'"),
        (LETTER_COUNTER, {"letter": 3}, "argument 'letter': expected string, got integer 3"),
        (CHOOSE, {"level": 12}, "argument 'level': 12 is greater than the maximum of 10"),
        (CHOOSE, {"level": -1}, "argument 'level': -1 is less than the minimum of 0"),
        (CHOOSE, {"option": "delta"}, "argument 'option': \"delta\" is not one of"),
        (CHOOSE, {"tags": ["w"]}, "argument 'tags[0]': \"w\" is not one of"),
        (CHOOSE, {"foo": 1}, "unknown argument 'foo' (accepted: option, level, tags, note)"),
        (
            FILE_INFO,
            {"file": "/etc/passwd", "note": ""},
            "argument 'file': expected an http(s) URL or a data: URI",
        ),
    ],
)
def test_each_problem_names_the_argument_and_the_reason(
    endpoint: Endpoint, arguments: dict[str, Any], expected: str
) -> None:
    problems = validate_arguments(endpoint, arguments)
    assert len(problems) == 1
    assert problems[0].startswith(expected)


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(ToolArgumentError) as caught:
        check_arguments(
            build_catalog([space("alice/demo", CHOOSE)]).tools[0],
            {"option": "delta", "level": "high", "tags": "x", "extra": True},
        )
    error = caught.value
    assert len(error.problems) == 4
    assert error.problems[0].startswith("unknown argument 'extra'")
    assert [p.split("'")[1] for p in error.problems[1:]] == ["option", "level", "tags"]
    assert "demo__choose" in str(error) and "level" in str(error)


def test_huge_values_are_not_echoed_back_in_full() -> None:
    problems = validate_arguments(CHOOSE, {"option": "z" * 100_000})
    assert len(problems[0]) < 200


def test_arguments_must_be_an_object() -> None:
    assert validate_arguments(CHOOSE, [1, 2]) == ["arguments must be a JSON object"]  # type: ignore[arg-type]
    assert validate_arguments(CHOOSE, None) == []


# --- positional data -------------------------------------------------------------------------


def test_positional_data_fills_defaults_in_parameter_order() -> None:
    data = positional_data(CHOOSE, {"tags": ["y"], "option": "beta"})
    assert data == ["beta", 0, ["y"], ""]
    data = positional_data(LETTER_COUNTER, {"letter": "r"})
    assert data == ["strawberry", "r", False]


def test_positional_data_sends_null_for_state_slots() -> None:
    assert positional_data(WITH_STATE, {"text": "hi"}) == ["hi", None]


def test_positional_data_defaults_are_copies() -> None:
    first = positional_data(CHOOSE, {})
    first[2].append("x")
    assert positional_data(CHOOSE, {})[2] == []


def test_positional_data_refuses_missing_required() -> None:
    with pytest.raises(ToolArgumentError, match="missing required argument 'letter'"):
        positional_data(LETTER_COUNTER, {"word": "banana"})


# --- prompts ---------------------------------------------------------------------------------


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
        catalog, "demo__letter_counter", {"word": "banana", "case_sensitive": "true"}
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
    text = render_prompt(catalog, "demo__choose", {"level": "11", "option": ""}).messages[0].content
    assert isinstance(text, TextContent)
    assert "missing" not in text.text
    assert "11 is greater than the maximum of 10" in text.text
    assert 'option = "alpha"' in text.text  # a blank field means "use the default"


def test_render_unknown_prompt() -> None:
    catalog = build_catalog([space("alice/demo", CHOOSE)])
    with pytest.raises(UnknownNameError, match="Unknown prompt: nope"):
        render_prompt(catalog, "nope", {})


# --- cursors ---------------------------------------------------------------------------------


def test_cursors_page_through_everything_once() -> None:
    items = list(range(7))
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page, cursor = paginate(items, cursor, 3)
        seen += page
        pages += 1
        if cursor is None:
            break
        assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert seen == items and pages == 3
    assert decode_cursor(encode_cursor(42)) == 42


@pytest.mark.parametrize("cursor", ["", "garbage!", "MTI", encode_cursor(3)[:-2], "Z21jcDE6LTE"])
def test_invalid_cursors_are_rejected_clearly(cursor: str) -> None:
    with pytest.raises(ValueError, match="invalid cursor"):
        decode_cursor(cursor)


def test_cursor_past_a_shrunken_list_gives_an_empty_last_page() -> None:
    assert paginate([1, 2], encode_cursor(5), 3) == ([], None)


def test_endpoint_name_style_lists_bare_names_and_qualifies_clashes() -> None:
    names = assign_tool_names(
        ["alice/one", "bob/two"],
        [("alice/one", "predict"), ("alice/one", "only_here"), ("bob/two", "predict")],
        style="endpoint",
    )
    assert names[("alice/one", "only_here")].name == "only_here"
    clashed = {names[("alice/one", "predict")].name, names[("bob/two", "predict")].name}
    assert "predict" not in clashed and len(clashed) == 2
    assert all(n.startswith(("one__predict_", "two__predict_")) for n in clashed)
