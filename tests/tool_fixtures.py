"""Endpoints mirroring the captured Gradio 6.31 apps, shared by the tool-definition tests."""

from __future__ import annotations

import re

from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import (
    Endpoint,
    GradioSpace,
    Parameter,
    Return,
    SpaceMetadata,
    SpaceSchema,
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
