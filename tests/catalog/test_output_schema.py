"""Output schemas: declared only where they can be kept, and results checked against them
before they leave (a client that validates would otherwise refuse the result)."""

from __future__ import annotations

import dataclasses
import json

import httpx2
import jsonschema
import pytest
from mcp import types

from gradio_mcp.catalog._output_schema import build_output_schema, structured_keys
from gradio_mcp.catalog._results import conform, to_call_tool_result
from gradio_mcp.discovery._schema_parser import parse_space_schema
from gradio_mcp.gradio import CallOutcome
from gradio_mcp.gradio._outputs import output_values
from gradio_mcp.models import Endpoint
from tests.upstream import FIXTURES

pytestmark = pytest.mark.anyio
FD = {
    "path": "/tmp/a.png",
    "url": "http://s/gradio_api/file=/tmp/a.png",
    "meta": {"_type": "gradio.FileData"},
}


def endpoint(app: str, api: str, known_layout: bool = True) -> Endpoint:
    info = json.loads((FIXTURES / f"corpus_{app}_gradio_api_info.json").read_text())
    found = next(e for e in parse_space_schema(info).endpoints if e.api_name == api)
    keep = tuple(range(len(found.returns))) if known_layout else None
    return dataclasses.replace(found, output_keep=keep)


async def structured(target: Endpoint, raw: list[object]) -> types.CallToolResult:
    outcome = CallOutcome(outputs=output_values(target, raw, "http://s/gradio_api"))
    async with httpx2.AsyncClient(
        transport=httpx2.MockTransport(lambda r: httpx2.Response(404))
    ) as c:
        return await to_call_tool_result(outcome, client=c)


@pytest.mark.parametrize(
    ("app", "api", "raw"),
    [
        (
            "media",
            "gallery_mixed",
            [[{"image": FD, "caption": "a"}, {"video": FD, "caption": None}]],
        ),
        ("media", "image_path", [FD, {"image": FD, "annotations": [{"image": FD, "label": "x"}]}]),
        ("media", "multimodal", [{"text": "HI", "files": [FD]}, "a.txt"]),
        ("values", "choices", [{"any": 1}, 4.0, 3, "not a listed choice", ["q"], False]),
        (
            "values",
            "tables",
            [{"headers": ["x"], "data": [[1]], "metadata": None}] * 4
            + [{"label": "big", "confidences": [{"label": "big", "confidence": 0.7}]}, None],
        ),
        (
            "chat",
            "annotate_chat",
            [
                [
                    {
                        "role": "assistant",
                        "metadata": None,
                        "content": [{"file": FD, "alt_text": None, "type": "file"}],
                        "options": None,
                    }
                ],
                "1",
            ],
        ),
    ],
)
async def test_what_spaces_return_fits_the_declared_schema(
    app: str, api: str, raw: list[object]
) -> None:
    target = endpoint(app, api)
    schema = build_output_schema(target)
    assert schema is not None
    jsonschema.Draft202012Validator.check_schema(schema)

    result = await structured(target, raw)

    assert list(result.structured_content or {}) == structured_keys(
        [r.label for r in target.returns]
    )
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(result.structured_content)) == []
    assert conform(result, validator) is result


async def test_a_result_that_breaks_the_schema_becomes_an_error() -> None:
    bad = endpoint("media", "image_invert")
    validator = jsonschema.Draft202012Validator(build_output_schema(bad) or {})
    result = await structured(bad, [{"not": "a file"}, 12])

    checked = conform(result, validator)

    assert checked.is_error
    assert "does not match its own description" in checked.content[0].text  # type: ignore[union-attr]


def test_no_schema_where_the_output_positions_are_unknown() -> None:
    assert build_output_schema(endpoint("media", "image_invert", known_layout=False)) is None


def test_outputs_allow_null_and_leave_choices_open() -> None:
    schema = build_output_schema(endpoint("values", "choices"))
    assert schema is not None
    radio = schema["properties"]["Radio back"]
    assert radio == {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert "enum" not in json.dumps(schema)
