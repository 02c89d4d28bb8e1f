"""An endpoint's parameters as the JSON Schema of an MCP tool's arguments."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import jsonschema

from gradio_mcp.models import Endpoint, Parameter
from gradio_mcp.serving._names import sanitize_name


def _mentions_url(text: str) -> bool:
    return "url" in text.lower()


def _file_hint(parameter: Parameter) -> str:
    if parameter.file == "list":
        return "a list of http(s) URLs or data: URIs"
    return "an http(s) URL or a data: URI"


def _schema_default(parameter: Parameter, fragment: Mapping[str, Any]) -> tuple[bool, Any]:
    """The default to advertise, if any. The value Gradio gets is `parameter.default` anyway."""
    if not parameter.has_default:
        return False, None
    value: Any = parameter.default
    # Gradio's defaults for file inputs are FileData objects; the schema takes their URL.
    if parameter.file == "single" and isinstance(value, Mapping) and value.get("url"):
        value = value["url"]
    elif parameter.file == "list" and isinstance(value, list):
        value = [v["url"] if isinstance(v, Mapping) and v.get("url") else v for v in value]
    # A default the schema rejects (typically None for a string) would confuse clients that
    # prefill forms or validate defaults, so it is only advertised when it fits. Falsy values
    # like False, 0 and "" are real defaults and stay.
    try:
        valid = jsonschema.Draft202012Validator(fragment).is_valid(value)
    except jsonschema.exceptions.RefResolutionError:  # pragma: no cover - broken upstream refs
        valid = False
    return valid, copy.deepcopy(value)


def _rewrite_refs(node: Any, rewrite: Mapping[str, str], root_pointer: str) -> Any:
    """Make the `$ref`s of one parameter's fragment point into the tool's whole schema."""
    if isinstance(node, list):
        return [_rewrite_refs(item, rewrite, root_pointer) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith("#"):
            for old, new in rewrite.items():
                if value == old or value.startswith(old + "/"):
                    value = new + value[len(old) :]
                    break
            else:
                value = root_pointer + value[1:]
            out[key] = value
        else:
            out[key] = _rewrite_refs(value, rewrite, root_pointer)
    return out


def _hoist_definitions(fragment: dict[str, Any], name: str, defs: dict[str, Any]) -> dict[str, Any]:
    """Move a fragment's `$defs` to the root, where its `#/$defs/...` refs will look."""
    rewrite: dict[str, str] = {}
    hoisted: list[tuple[str, Any]] = []
    for key in ("$defs", "definitions"):  # pydantic 1 wrote "definitions"
        for def_name, definition in (fragment.pop(key, None) or {}).items():
            target = def_name
            if target in defs and defs[target] != definition:
                target = f"{def_name}__{sanitize_name(name)}"
            rewrite[f"#/{key}/{def_name}"] = f"#/$defs/{target}"
            hoisted.append((target, definition))
    escaped = name.replace("~", "~0").replace("/", "~1")
    pointer = f"#/properties/{escaped}"
    for target, definition in hoisted:
        defs[target] = _rewrite_refs(definition, rewrite, pointer)
    hoisted_fragment: dict[str, Any] = _rewrite_refs(fragment, rewrite, pointer)
    return hoisted_fragment


def build_input_schema(endpoint: Endpoint) -> dict[str, Any]:
    """The MCP input schema of an endpoint: an object with one property per parameter."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for parameter in endpoint.parameters:
        fragment = copy.deepcopy(parameter.schema)
        advertise, default = _schema_default(parameter, fragment)
        fragment = _hoist_definitions(fragment, parameter.name, defs)
        if advertise:
            fragment["default"] = default
        description = str(fragment.get("description") or parameter.description or "").strip()
        if not description and parameter.label and parameter.label != parameter.name:
            description = parameter.label
        if parameter.file and not _mentions_url(description):
            hint = f"Give {_file_hint(parameter)}."
            description = f"{description.rstrip('.')}. {hint}" if description else hint
        if description:
            fragment["description"] = description
        properties[parameter.name] = fragment
        if parameter.required:
            required.append(parameter.name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:  # an empty list is invalid in draft 4, which some clients still use
        schema["required"] = required
    schema["additionalProperties"] = False
    if defs:
        schema["$defs"] = defs
    return schema
