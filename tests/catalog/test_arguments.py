"""Argument checks before any upstream call, and Gradio's positional data."""

from __future__ import annotations

from typing import Any

import pytest

from gradio_mcp.catalog._arguments import check_arguments, validate_arguments
from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.errors import ToolArgumentError
from gradio_mcp.gradio._inputs import call_data
from gradio_mcp.models import (
    Endpoint,
)
from tests.tool_fixtures import (
    CHOOSE,
    FILE_INFO,
    LETTER_COUNTER,
    WITH_STATE,
    space,
)


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


def test_call_data_fills_defaults_in_parameter_order() -> None:
    data = call_data(CHOOSE, {"tags": ["y"], "option": "beta"}, None)
    assert data == ["beta", 0, ["y"], ""]
    data = call_data(LETTER_COUNTER, {"letter": "r"}, None)
    assert data == ["strawberry", "r", False]


def test_call_data_sends_null_for_state_slots() -> None:
    assert call_data(WITH_STATE, {"text": "hi"}, None) == ["hi", None]


def test_call_data_defaults_are_copies() -> None:
    first = call_data(CHOOSE, {}, None)
    first[2].append("x")
    assert call_data(CHOOSE, {}, None)[2] == []


def test_call_data_refuses_missing_required() -> None:
    with pytest.raises(ToolArgumentError, match="missing required argument 'letter'"):
        call_data(LETTER_COUNTER, {"word": "banana"}, None)
