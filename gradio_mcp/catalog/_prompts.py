"""MCP prompts that help a person use a space's tools."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mcp.types import (
    GetPromptResult,
    Prompt,
    PromptArgument,
    PromptMessage,
    TextContent,
    Tool,
)

from gradio_mcp.catalog._display import show_value
from gradio_mcp.catalog._tool_ref import ToolRef
from gradio_mcp.models import Endpoint, Parameter

# A prompt argument lists at most this many of its choices.
MAX_CHOICES_SHOWN = 20
_NONE = object()  # a schema without a default


def _type_hint(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "array":
        items = schema.get("items")
        inner = _type_hint(items) if isinstance(items, Mapping) else ""
        return f"array of {inner}" if inner else "array"
    return str(kind) if kind else ""


def _prompt_argument(parameter: Parameter, schema: Mapping[str, Any]) -> PromptArgument:
    notes: list[str] = []
    hint = _type_hint(schema)
    if hint:
        notes.append("JSON " + hint if hint not in ("string", "") else hint)
    items = schema.get("items")
    choices = schema.get("enum") or (items.get("enum") if isinstance(items, Mapping) else None)
    if isinstance(choices, list) and choices:
        shown = ", ".join(show_value(c) for c in choices[:MAX_CHOICES_SHOWN])
        more = ", ..." if len(choices) > MAX_CHOICES_SHOWN else ""
        notes.append(f"one of {shown}{more}")
    if "minimum" in schema and "maximum" in schema:
        notes.append(f"from {schema['minimum']} to {schema['maximum']}")
    if "default" in schema:
        notes.append(f"default {show_value(schema['default'])}")
    text = str(schema.get("description") or "").strip()
    detail = f" ({'; '.join(notes)})" if notes else ""
    return PromptArgument(
        name=parameter.name,
        title=parameter.label or None,
        description=(text + detail).strip() or None,
        required=parameter.required,
    )


def build_prompt(endpoint: Endpoint, name: str, tool: Tool) -> Prompt:
    """A prompt that collects an endpoint's arguments and asks the assistant to call its tool
    (whose title and description, already cut to size, it reuses)."""
    properties = tool.input_schema["properties"]
    return Prompt(
        name=name,
        title=tool.title,
        description=f"Ask the assistant to call the tool {name}. {tool.description or ''}".strip(),
        arguments=[_prompt_argument(p, properties[p.name]) for p in endpoint.parameters],
    )


def _coerce(value: str, schema: Mapping[str, Any]) -> Any:
    """Prompt arguments arrive as strings; read them as JSON where the schema wants non-strings."""
    kind = schema.get("type")
    if kind == "string" or (isinstance(kind, list) and "string" in kind):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def render_prompt(ref: ToolRef, arguments: Mapping[str, str] | None = None) -> GetPromptResult:
    """`prompts/get`: a user message asking for a call of the prompt's tool with these values."""
    properties: Mapping[str, Any] = ref.input_schema["properties"]
    given: dict[str, Any] = {}
    ignored: list[str] = []
    for key, raw in (arguments or {}).items():
        if key not in properties:
            ignored.append(key)
        elif raw != "":  # prompt forms send blank fields as "": the user gave nothing
            given[key] = _coerce(raw, properties[key])

    api = "/" + ref.api_name
    lines = [f"Call the tool `{ref.name}` (Gradio Space {ref.space_id}, endpoint {api})"]
    if given:
        lines[0] += " with these arguments:"
        lines.append(json.dumps(given, indent=2, ensure_ascii=False))
    else:
        lines[0] += "."
    problems = [p.text for p in ref.checker.problems(given) if p.kind != "missing"]
    missing = [p for p in ref.endpoint.parameters if p.required and p.name not in given]
    left_out = [p for p in ref.endpoint.parameters if not p.required and p.name not in given]
    if missing:
        asked = [
            f"{p.name} ({about})" if (about := properties[p.name].get("description")) else p.name
            for p in missing
        ]
        lines.append(
            f"These required arguments are missing, so ask me for them first: {'; '.join(asked)}."
        )
    if problems:
        lines.append(
            f"These values do not fit the tool's schema; check them with me: {'; '.join(problems)}."
        )
    if left_out:
        defaults = {p.name: properties[p.name].get("default", _NONE) for p in left_out}
        kept = [n if d is _NONE else f"{n} = {show_value(d)}" for n, d in defaults.items()]
        lines.append(f"Optional arguments not given keep their defaults: {', '.join(kept)}.")
    if ignored:
        lines.append("Ignore these unknown arguments: " + ", ".join(ignored) + ".")
    return GetPromptResult(
        description=f"Call {ref.name} on the Gradio Space {ref.space_id}",
        messages=[PromptMessage(role="user", content=TextContent(text="\n\n".join(lines)))],
    )
