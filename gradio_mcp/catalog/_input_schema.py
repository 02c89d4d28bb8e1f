"""An endpoint's parameters as the JSON Schema of an MCP tool's arguments."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import jsonschema

from gradio_mcp.catalog._schema_defs import hoist_definitions
from gradio_mcp.discovery import files_as_urls
from gradio_mcp.models import Endpoint, Parameter

# Components whose /info description says only what kind of value they take.
LABELLED = frozenset({"Slider", "Number"})


def _file_hint(parameter: Parameter) -> str:
    if parameter.file == "list":
        return "a list of http(s) URLs or data: URIs"
    if parameter.file == "nested":
        return "an http(s) URL or a data: URI wherever a file goes"
    return "an http(s) URL or a data: URI"


def _schema_default(parameter: Parameter, fragment: Mapping[str, Any]) -> tuple[bool, Any]:
    """The default to advertise, if any. The value Gradio gets is `parameter.default` anyway."""
    if not parameter.has_default:
        return False, None
    value: Any = parameter.default
    # Gradio's defaults for file inputs are FileData objects; the schema takes their URL.
    if parameter.file:
        value = files_as_urls(value)
    # A default the schema rejects (typically None for a string) would confuse clients that
    # prefill forms or validate defaults, so it is only advertised when it fits. Falsy values
    # like False, 0 and "" are real defaults and stay.
    valid = _fits_plain_type(fragment, value)
    if valid is None:
        try:
            valid = jsonschema.Draft202012Validator(fragment).is_valid(value)
        except Exception:  # the space's schema against the space's value: a $ref to nowhere...
            valid = False
    return valid, copy.deepcopy(value)


# The JSON types a schema of one `type` and nothing else to check accepts, as Python types.
_PLAIN_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
    "array": (list,),
    "object": (dict,),
}
_UNCHECKED = frozenset({"type", "title", "description", "examples"})


def _fits_plain_type(fragment: Mapping[str, Any], value: Any) -> bool | None:
    """Whether `value` fits a schema that says only a type (most of Gradio's: a Textbox's
    `{"type": "string"}`), without compiling a validator; None when the schema says more."""
    kind = fragment.get("type")
    if not isinstance(kind, str) or not fragment.keys() <= _UNCHECKED:
        return None
    if kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return kind == "number" or isinstance(value, int) or float(value).is_integer()
    plain = _PLAIN_TYPES.get(kind)
    return None if plain is None else isinstance(value, plain)


def build_input_schema(endpoint: Endpoint) -> dict[str, Any]:
    """The MCP input schema of an endpoint: an object with one property per parameter."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for parameter in endpoint.parameters:
        # The parameter's schema is shared (read only): the hoisted fragment is a new one.
        advertise, default = _schema_default(parameter, parameter.schema)
        fragment = hoist_definitions(parameter.schema, parameter.name, defs)
        if advertise:
            fragment["default"] = default
        description = str(fragment.get("description") or parameter.description or "").strip()
        label = parameter.label if parameter.label != parameter.name else None
        if not description and label:
            description = label
        elif label and parameter.component in LABELLED and label.lower() not in description.lower():
            # A number's description is Gradio's "numeric value between 1 and 50": the label
            # ("Count to") is what says what the number is for.
            description = f"{label}: {description}"
        if parameter.file and "url" not in description.lower():
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
