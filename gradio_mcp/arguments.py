"""Tool arguments checked against the input schema, and Gradio's positional `data` list."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema
from mcp.types import (
    Tool,
)

from gradio_mcp.inputs import build_input_schema
from gradio_mcp.models import Endpoint


class ToolArgumentError(ValueError):
    """The arguments of a tool call do not fit its input schema; nothing was sent upstream."""

    def __init__(self, tool: str, problems: Sequence[str]) -> None:
        self.tool = tool
        self.problems = list(problems)
        super().__init__(f"Invalid arguments for tool '{tool}': " + "; ".join(self.problems))


def _is_file_reference(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the type check reports non-strings
    lowered = value[:8].lower()
    return lowered.startswith(("http://", "https://", "data:"))


# Only our file parameters carry format "uri" (schemas.py puts it there), and what calls.py
# can fetch or upload is exactly an http(s) URL or a data: URI, so "uri" is checked as that.
_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("uri")(_is_file_reference)


def show_value(value: Any, limit: int = 60) -> str:
    """A value as JSON, cut short: a data: URI in an error message helps nobody."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _explain(error: jsonschema.ValidationError) -> str:
    value, rule, bound = error.instance, error.validator, error.validator_value
    if rule == "type":
        wanted = " or ".join(bound) if isinstance(bound, list) else str(bound)
        return f"expected {wanted}, got {_json_type(value)} {show_value(value)}"
    if rule == "enum":
        return f"{show_value(value)} is not one of {show_value(bound, 200)}"
    if rule == "const":
        return f"expected {show_value(bound)}, got {show_value(value)}"
    if rule == "maximum":
        return f"{show_value(value)} is greater than the maximum of {bound}"
    if rule == "minimum":
        return f"{show_value(value)} is less than the minimum of {bound}"
    if rule == "exclusiveMaximum":
        return f"{show_value(value)} must be less than {bound}"
    if rule == "exclusiveMinimum":
        return f"{show_value(value)} must be greater than {bound}"
    if rule == "format" and bound == "uri":
        return f"expected an http(s) URL or a data: URI, got {show_value(value)}"
    if rule in ("minLength", "maxLength", "minItems", "maxItems", "pattern"):
        return f"{show_value(value)} fails {rule} {show_value(bound)}"
    message = str(error.message)
    return message if len(message) <= 200 else message[:197] + "..."


def _argument_path(path: Sequence[str | int]) -> str:
    name = str(path[0])
    for step in path[1:]:
        name += f"[{step}]" if isinstance(step, int) else f".{step}"
    return name


@dataclass(frozen=True)
class _Problem:
    order: tuple[int, int]  # (kind, parameter position) for a stable, readable listing
    kind: str  # "unknown", "missing" or "invalid"
    text: str


def find_problems(schema: Mapping[str, Any], arguments: Any) -> list[_Problem]:
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        return [_Problem((0, 0), "invalid", "arguments must be a JSON object")]
    properties: Mapping[str, Any] = schema.get("properties", {})
    position = {name: i for i, name in enumerate(properties)}
    found: list[_Problem] = []
    # Unknown and missing arguments are worked out directly: jsonschema reports them as one
    # error per keyword whose wording names neither the argument nor what is accepted.
    unknown = [name for name in arguments if name not in properties]
    if unknown and schema.get("additionalProperties") is False:
        accepted = ", ".join(properties) or "none"
        for name in unknown:
            found.append(
                _Problem((0, 0), "unknown", f"unknown argument '{name}' (accepted: {accepted})")
            )
    for name in schema.get("required", []):
        if name not in arguments:
            found.append(
                _Problem(
                    (1, position.get(name, 0)), "missing", f"missing required argument '{name}'"
                )
            )
    validator = jsonschema.Draft202012Validator(schema, format_checker=_FORMATS)
    known = {name: value for name, value in arguments.items() if name in properties}
    for error in validator.iter_errors(known):
        path = list(error.absolute_path)
        if not path:
            continue  # root-level required/additionalProperties: reported above
        where = _argument_path(path)
        found.append(
            _Problem(
                (2, position.get(str(path[0]), 0)),
                "invalid",
                f"argument '{where}': {_explain(error)}",
            )
        )
    unique = {problem.text: problem for problem in found}
    return sorted(unique.values(), key=lambda problem: problem.order)


def _schema_of(target: Endpoint | Tool | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(target, Endpoint):
        return build_input_schema(target)
    if isinstance(target, Tool):
        return target.input_schema
    return target


def validate_arguments(
    target: Endpoint | Tool | Mapping[str, Any], arguments: Mapping[str, Any] | None
) -> list[str]:
    """Every problem with `arguments` against an endpoint's input schema; empty when fine."""
    return [problem.text for problem in find_problems(_schema_of(target), arguments)]


def check_arguments(
    target: Endpoint | Tool | Mapping[str, Any],
    arguments: Mapping[str, Any] | None,
    *,
    tool_name: str | None = None,
) -> None:
    """Raise `ToolArgumentError` listing every problem, before anything goes upstream."""
    problems = validate_arguments(target, arguments)
    if problems:
        if tool_name is None:
            tool_name = (
                target.name
                if isinstance(target, Tool)
                else str(getattr(target, "api_name", "tool"))
            )
        raise ToolArgumentError(tool_name, problems)


def positional_data(endpoint: Endpoint, arguments: Mapping[str, Any] | None) -> list[Any]:
    """Gradio's positional `data` list for a call: parameter order, defaults filled in.

    With an `input_layout` (from `/config`), State slots are sent as null where Gradio expects
    them. Values are passed as given; file URLs are left for the caller to turn into FileData.
    """
    arguments = arguments or {}
    values: list[Any] = []
    missing: list[str] = []
    for parameter in endpoint.parameters:
        if parameter.name in arguments:
            values.append(arguments[parameter.name])
        elif parameter.has_default:
            # A copy, so that a caller rewriting file inputs in place cannot alter the
            # endpoint's defaults for the next call.
            values.append(copy.deepcopy(parameter.default))
        elif parameter.required:
            missing.append(parameter.name)
            values.append(None)
        else:
            values.append(None)
    if missing:
        raise ToolArgumentError(
            endpoint.api_name, [f"missing required argument '{name}'" for name in missing]
        )
    if endpoint.input_layout is None:
        return values
    return [None if slot is None else values[slot] for slot in endpoint.input_layout]
