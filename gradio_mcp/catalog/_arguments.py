"""Tool arguments checked against the input schema before anything goes upstream.

Problems are listed all at once, in parameter order, in words that name the argument and
what it accepts. An `ArgumentChecker` compiles its validator once per tool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema
from mcp.types import Tool

from gradio_mcp.catalog._display import show_value
from gradio_mcp.catalog._input_schema import build_input_schema
from gradio_mcp.discovery import is_file_url_schema, json_type
from gradio_mcp.errors import ToolArgumentError
from gradio_mcp.models import Endpoint


def _is_file_reference(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the type check reports non-strings
    lowered = value[:8].lower()
    return lowered.startswith(("http://", "https://", "data:"))


# Only our file positions carry format "uri" (discovery puts it there: the space's own
# `format`s are dropped), and what a call can fetch or upload is exactly an http(s) URL or a
# data: URI, so "uri" is checked as that.
_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("uri")(_is_file_reference)
_FILE_POSITION = "gradio-mcp: a file"
# Besides the URL the schema shows, a file position takes a FileData object (a file the space
# already has) or a file object from one of our results ({"url", "name", "mime_type"}).
_FILE_OBJECT = {
    "type": "object",
    "anyOf": [
        {
            "properties": {
                "path": {"type": "string"},
                "meta": {"properties": {"_type": {"const": "gradio.FileData"}}},
            },
            "required": ["path", "meta"],
        },
        {"properties": {"url": {"type": "string", "format": "uri"}}, "required": ["url"]},
    ],
}


def accepting_file_objects(node: Any) -> Any:
    """The schema a call is checked against: file positions take file objects too."""
    if isinstance(node, list):
        return [accepting_file_objects(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    if is_file_url_schema(node):
        return {"$comment": _FILE_POSITION, "anyOf": [dict(node), _FILE_OBJECT]}
    return {
        key: value if key in ("default", "const", "enum") else accepting_file_objects(value)
        for key, value in node.items()
    }


def _explain(error: jsonschema.ValidationError) -> str:
    value, rule, bound = error.instance, error.validator, error.validator_value
    if rule == "type":
        wanted = " or ".join(bound) if isinstance(bound, list) else str(bound)
        return f"expected {wanted}, got {json_type(value)} {show_value(value)}"
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
    if (
        rule == "anyOf"
        and isinstance(error.schema, Mapping)
        and error.schema.get("$comment") == _FILE_POSITION
    ):
        return f"expected an http(s) URL or a data: URI of a file, got {show_value(value)}"
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
class Problem:
    order: tuple[int, int]  # (kind, parameter position) for a stable, readable listing
    kind: str  # "unknown", "missing" or "invalid"
    text: str


class ArgumentChecker:
    """Checks arguments against one input schema; the validator is compiled once."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._properties: Mapping[str, Any] = schema.get("properties", {})
        self._position = {name: i for i, name in enumerate(self._properties)}
        self._validator = jsonschema.Draft202012Validator(
            accepting_file_objects(schema), format_checker=_FORMATS
        )

    def problems(self, arguments: Any) -> list[Problem]:
        """Every problem with `arguments`, in a stable, readable order; empty when fine."""
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, Mapping):
            return [Problem((0, 0), "invalid", "arguments must be a JSON object")]
        properties, position = self._properties, self._position
        found: list[Problem] = []
        # Unknown and missing arguments are worked out directly: jsonschema reports them as
        # one error per keyword whose wording names neither the argument nor what is accepted.
        unknown = [name for name in arguments if name not in properties]
        if unknown and self.schema.get("additionalProperties") is False:
            accepted = ", ".join(properties) or "none"
            for name in unknown:
                found.append(
                    Problem((0, 0), "unknown", f"unknown argument '{name}' (accepted: {accepted})")
                )
        for name in self.schema.get("required", []):
            if name not in arguments:
                found.append(
                    Problem(
                        (1, position.get(name, 0)), "missing", f"missing required argument '{name}'"
                    )
                )
        known = {name: value for name, value in arguments.items() if name in properties}
        for error in self._validator.iter_errors(known):
            path = list(error.absolute_path)
            if not path:
                continue  # root-level required/additionalProperties: reported above
            where = _argument_path(path)
            found.append(
                Problem(
                    (2, position.get(str(path[0]), 0)),
                    "invalid",
                    f"argument '{where}': {_explain(error)}",
                )
            )
        unique = {problem.text: problem for problem in found}
        return sorted(unique.values(), key=lambda problem: problem.order)

    def check(self, arguments: Any, tool_name: str) -> None:
        """Raise `ToolArgumentError` listing every problem."""
        problems = self.problems(arguments)
        if problems:
            raise ToolArgumentError(tool_name, [problem.text for problem in problems])


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
    return [problem.text for problem in ArgumentChecker(_schema_of(target)).problems(arguments)]


def check_arguments(
    target: Endpoint | Tool | Mapping[str, Any],
    arguments: Mapping[str, Any] | None,
    *,
    tool_name: str | None = None,
) -> None:
    """Raise `ToolArgumentError` listing every problem, before anything goes upstream."""
    if tool_name is None:
        tool_name = (
            target.name if isinstance(target, Tool) else str(getattr(target, "api_name", "tool"))
        )
    ArgumentChecker(_schema_of(target)).check(arguments, tool_name)
