"""Gradio 3's /info and /config, captured from tests/apps/gradio3_app.py on Gradio 3.50.2,
read with that era's rules (pure)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gradio_mcp.discovery._host_slots import HostSlots
from gradio_mcp.discovery._schema_fetcher import fetch_space_schema
from gradio_mcp.discovery._schema_v3 import is_gradio3, parse_gradio3_schema
from gradio_mcp.errors import SpaceError
from gradio_mcp.models import Endpoint
from tests.mock_http import MockHTTP

FIXTURES = Path(__file__).parent.parent / "fixtures" / "gradio-3.50.2"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


INFO, CONFIG = load("gradio3_app_info.json"), load("gradio3_app_config.json")


def endpoints(info: Any = INFO, config: Any = CONFIG) -> dict[str, Endpoint]:
    return {e.api_name: e for e in parse_gradio3_schema(info, config).endpoints}


def test_gradio_3_is_told_apart_by_config_and_without_it_by_serializers() -> None:
    assert is_gradio3(INFO, CONFIG) and is_gradio3(INFO, None)
    assert not is_gradio3(INFO, {**CONFIG, "version": "4.0.2", "protocol": "sse"})
    six = json.loads((FIXTURES.parent / "gradio-6.31" / "blocks_gradio_api_info.json").read_text())
    assert not is_gradio3(six, None)


def test_every_endpoint_with_call_details_and_the_root_prefix() -> None:
    schema = parse_gradio3_schema(INFO, CONFIG)
    assert schema.api_prefix == "" and schema.gradio_version == "3.50.2"
    found = {e.api_name: (e.fn_index, e.queue, e.generator) for e in schema.endpoints}
    assert found == {
        "echo": (0, True, False),
        "numbers": (1, True, False),
        "picture": (2, True, False),
        "count": (3, True, True),
        "file_info": (4, True, False),
        "slow": (5, True, True),
        "journal": (6, False, False),  # queue=False: called over /run/predict
    }


def test_defaults_choices_and_bounds_come_from_config() -> None:
    numbers = {p.name: p for p in endpoints()["numbers"].parameters}
    assert {n: (p.required, p.default) for n, p in numbers.items()} == {
        "Number": (False, 3.0),
        "Slider": (False, 4),
        "Choice": (False, "beta"),
        "Flag": (False, True),
    }
    assert numbers["Choice"].schema == {
        "type": "string",
        "enum": ["alpha", "beta", "gamma"],
        "default": "beta",
    }
    assert (numbers["Slider"].schema["minimum"], numbers["Slider"].schema["maximum"]) == (0, 10)
    colour = endpoints()["picture"].parameters[0]
    assert colour.schema["enum"] == ["red", "green", "blue"]


def test_files_are_known_by_their_serializer() -> None:
    upload = endpoints()["file_info"].parameters[0]
    assert upload.file == "single" and upload.file_paths == ((),) and upload.required
    assert upload.schema["type"] == "string" and upload.schema["format"] == "uri"
    picture, copy_out = endpoints()["picture"].returns[0], endpoints()["file_info"].returns[1]
    assert picture.file == "single" and copy_out.file == "single"
    assert endpoints()["file_info"].returns[0].file is None


def test_without_config_the_endpoints_still_list_and_take_their_values() -> None:
    bare = endpoints(config=None)
    assert list(bare) == list(endpoints())
    assert bare["echo"].fn_index is None  # no call details: /api/{name} is used
    jsonschema.validate(
        {"Number": 2, "Slider": 3, "Choice": "beta", "Flag": False},
        {
            "type": "object",
            "properties": {p.name: p.schema for p in bare["numbers"].parameters},
        },
    )


def test_choices_as_plain_values_and_an_empty_dropdown() -> None:
    config = copy.deepcopy(CONFIG)
    dropdown = next(c for c in config["components"] if c["type"] == "dropdown")
    dropdown["props"]["choices"] = ["alpha", "beta"]  # before 3.39: plain values
    del dropdown["props"]["value"]
    choice = {p.name: p for p in endpoints(config=config)["numbers"].parameters}["Choice"]
    # The page sends null while nothing is chosen, and Gradio passes it on.
    assert choice.required and choice.schema["type"] == ["string", "null"]
    assert choice.schema["enum"] == ["alpha", "beta", None]


def test_hostile_documents_are_the_space_s_error() -> None:
    hostile_config = {"components": "nope", "dependencies": [None, 3]}
    with pytest.raises(SpaceError):
        parse_gradio3_schema({"named_endpoints": []}, hostile_config)
    odd = parse_gradio3_schema({"named_endpoints": {"/x": {"parameters": 5}}}, hostile_config)
    assert [(e.api_name, e.parameters, e.fn_index) for e in odd.endpoints] == [("x", (), None)]


def test_gradio_3_before_info_is_described_from_config_alone() -> None:
    """Gradio 3.20.1 (captured from a two-endpoint app) serves no /info."""
    config = json.loads((FIXTURES.parent / "gradio-3.20.1" / "blocks_config.json").read_text())
    schema = parse_gradio3_schema(None, config)
    assert schema.sources == ("config",) and schema.api_prefix == ""
    echo, pic = schema.endpoints
    assert (echo.api_name, echo.fn_index, pic.api_name, pic.fn_index) == ("echo", 0, "pic", 1)
    (text,) = echo.parameters
    assert (text.name, text.schema, text.required) == (
        "Text",
        {"type": "string", "default": ""},
        False,
    )
    (choice,) = pic.parameters
    assert choice.schema == {"type": "string", "enum": ["a", "b"], "default": "a"}
    assert pic.returns[0].file == "single" and pic.returns[0].component == "Image"


@pytest.mark.anyio
async def test_the_fetcher_reads_gradio_3_documents_with_gradio_3_rules(
    http_mock: MockHTTP,
) -> None:
    space = "https://old-space.hf.space"
    http_mock.add_response(url=f"{space}/config", json=CONFIG)
    http_mock.add_response(url=f"{space}/info", json=INFO)
    async with http_mock.client() as client:
        schema = await fetch_space_schema(client, space, timeout=5, slots=HostSlots(2, 10))
    assert schema.api_prefix == "" and schema.endpoints[1].parameters[2].schema["enum"]

    old = json.loads((FIXTURES.parent / "gradio-3.20.1" / "blocks_config.json").read_text())
    http_mock.add_response(url=f"{space}/config", json=old)  # and /info: 404, unscripted
    async with http_mock.client() as client:
        schema = await fetch_space_schema(client, space, timeout=5, slots=HostSlots(2, 10))
    assert [e.api_name for e in schema.endpoints] == ["echo", "pic"]
