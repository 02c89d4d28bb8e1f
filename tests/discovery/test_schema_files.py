"""Files wherever Gradio's schemas put them: found, shown as URL strings, wrappers kept.

Against the /gradio_api/info of the corpus apps (tests/apps/corpus/), captured from
Gradio 6.31, so every component's real schema shape is covered.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from gradio_mcp.discovery._schema_files import file_paths, files_as_urls, tool_schema
from gradio_mcp.discovery._schema_parser import parse_space_schema
from gradio_mcp.models import Endpoint
from tests.upstream import FIXTURES


def info(app: str) -> Any:
    return json.loads((FIXTURES / f"corpus_{app}_gradio_api_info.json").read_text())


def endpoints(app: str) -> dict[str, Endpoint]:
    return {e.api_name: e for e in parse_space_schema(info(app)).endpoints}


def uri_nodes(node: Any) -> list[Any]:
    if isinstance(node, list):
        return [n for item in node for n in uri_nodes(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("format") == "uri" else []
    return own + [n for value in node.values() for n in uri_nodes(value)]


@pytest.mark.parametrize(
    ("app", "api", "param", "paths"),
    [
        ("media", "image_invert", "image", [()]),
        ("media", "audio_echo", "mic", [()]),
        ("media", "model3d_echo", "model", [()]),
        ("media", "files_summary", "files", [("*",)]),
        ("media", "files_summary", "upload", [("*",)]),
        ("media", "gallery_captions", "gallery", [("*", "image"), ("*", "video")]),
        ("media", "slider_swap", "pair", [(0,), (1,)]),
        ("media", "editor", "mask", [("background",), ("layers", "*"), ("composite",)]),
        ("media", "multimodal", "message", [("files", "*")]),
        ("chat", "annotate_chat", "history", [("*", "content", "*", "file")]),
        ("chat", "chat_mm", "message", [("files", "*")]),
        ("values", "tables", "frame", []),
        ("values", "picks", "tree", []),
    ],
)
def test_file_positions_of_every_shape(
    app: str, api: str, param: str, paths: list[tuple[Any, ...]]
) -> None:
    parameter = next(p for p in endpoints(app)[api].parameters if p.name == param)

    assert sorted(parameter.file_paths, key=str) == sorted(paths, key=str)
    # Each file position is a URL string in the tool schema, and nothing else is.
    assert len(uri_nodes(parameter.schema)) == len(paths)
    assert "FileData" not in json.dumps(parameter.schema)


def test_wrappers_around_files_are_kept() -> None:
    gallery = next(p for p in endpoints("media")["gallery_captions"].parameters)
    image = gallery.schema["$defs"]["GalleryImage"]
    assert image["properties"]["image"]["format"] == "uri"
    assert image["properties"]["caption"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
        "title": "Caption",
    }
    assert image["required"] == ["image"]
    assert gallery.file == "nested"

    message = next(p for p in endpoints("chat")["annotate_chat"].parameters)
    defs = message.schema["$defs"]
    assert defs["FileMessage"]["properties"]["file"]["format"] == "uri"
    assert "FileData" not in defs and "FileDataMeta" not in defs
    assert defs["TextMessage"]["properties"]["text"] == {"title": "Text", "type": "string"}


def test_returns_carry_their_file_positions() -> None:
    returns = {r.label: r for r in endpoints("media")["image_path"].returns}
    assert returns["Scaled"].file_paths == ((),)
    assert set(returns["Quarter"].file_paths) == {("image",), ("annotations", "*", "image")}


def test_recursive_and_broken_schemas_stay_bounded() -> None:
    recursive = {
        "$defs": {
            "Node": {
                "properties": {
                    "child": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                    "file": {"$ref": "#/$defs/FileData"},
                },
                "type": "object",
            },
            "FileData": {
                "properties": {
                    "path": {"type": "string"},
                    "meta": {"properties": {"_type": {"const": "gradio.FileData"}}},
                },
                "type": "object",
            },
        },
        "$ref": "#/$defs/Node",
    }
    assert file_paths(recursive) == (("file",),)
    converted = tool_schema(recursive)
    assert converted["$defs"]["Node"]["properties"]["file"]["format"] == "uri"
    assert "FileData" not in converted["$defs"]

    deep: dict[str, Any] = {"type": "string"}
    for _ in range(200):
        deep = {"type": "array", "items": deep}
    assert file_paths(deep) == ()
    assert tool_schema({"$ref": "#/$defs/Missing"}) == {"$ref": "#/$defs/Missing"}


def test_file_defaults_become_urls() -> None:
    default = {"text": "", "files": [{"path": "/tmp/a.png", "url": "http://s/a.png", "meta": {}}]}
    assert files_as_urls(default) == {"text": "", "files": ["http://s/a.png"]}


def test_choices_a_value_can_pass() -> None:
    params = {p.name: p for p in endpoints("values")["choices"].parameters}
    # Gradio says "string" for numeric choices; no value could pass that.
    # A Radio starts with nothing chosen, which Gradio sends as null.
    assert params["radio"].schema["type"] == ["integer", "null"]
    assert params["radio"].schema["enum"] == [1, 2, 3, None]
    assert params["paired"].schema == {"type": "integer", "enum": [1, 2], "default": 1}
    # Custom values allowed (from /config, absent here): the enum stays without /config.
    assert params["multi"].schema["items"]["enum"] == ["a", "b", "c"]

    dynamic = next(p for p in endpoints("values")["use_choice"].parameters)
    assert "enum" not in dynamic.schema
    assert "filled in at run time" in dynamic.schema["description"]


def test_translated_labels_become_text() -> None:
    greet = endpoints("values")["greet"].parameters[0]
    assert greet.label == "greeting_label"
    assert greet.name == "name"
