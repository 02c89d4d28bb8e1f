"""An endpoint's outputs as the JSON Schema of a tool's `structuredContent`.

A client that knows a tool's `outputSchema` checks every result against it and refuses the
ones that do not fit (the official Python client raises), so only what every successful
call is sure to produce is declared:

* the keys: `result` for one output, else each output's label (or `output_{i}`), made unique;
* each output as the space describes it, with a file object where a file goes, and null
  allowed (a Gradio function may return None for any output);
* no `enum` (an output's choices can change at run time), no defaults.

An endpoint whose output positions are not known from `/config`, or whose schema refers to
something we cannot resolve, gets no output schema. Results are checked against the schema
before they are sent (`_results.conform`), so a space that breaks its own description gets
an error rather than a client-side failure.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from gradio_mcp.catalog._schema_defs import hoist_definitions
from gradio_mcp.discovery import is_file_url_schema
from gradio_mcp.models import Endpoint

# What a file becomes in structured content (see `_results.file_json`).
FILE_OBJECT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "description": "where to download the file"},
        "name": {"type": ["string", "null"]},
        "mime_type": {"type": ["string", "null"]},
    },
    "required": ["url", "name", "mime_type"],
}
_DROPPED = frozenset({"enum", "default", "examples", "minimum", "maximum"})


def structured_keys(labels: Sequence[str | None]) -> list[str]:
    """The keys of structured content for outputs with these labels, in order."""
    if len(labels) == 1:
        return ["result"]
    keys: list[str] = []
    for i, label in enumerate(labels):
        key = label or f"output_{i}"
        while key in keys:
            key = f"{key}_{i}"
        keys.append(key)
    return keys


def _output_node(node: Any) -> Any:
    if isinstance(node, list):
        return [_output_node(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    if is_file_url_schema(node):
        return copy.deepcopy(FILE_OBJECT_SCHEMA)
    return {
        key: value if key == "const" else _output_node(value)
        for key, value in node.items()
        if key not in _DROPPED
    }


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    pending = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, Mapping):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            pending.extend(v for k, v in item.items() if k != "const")
    return found


def _nullable(fragment: dict[str, Any]) -> dict[str, Any]:
    if not set(fragment) - {"description", "title"}:
        return fragment  # already any value
    wrapped: dict[str, Any] = {"anyOf": [fragment, {"type": "null"}]}
    if isinstance(fragment.get("description"), str):
        wrapped["description"] = fragment.pop("description")
    return wrapped


def build_output_schema(endpoint: Endpoint) -> dict[str, Any] | None:
    """The `outputSchema` of an endpoint's tool, or None when it cannot be guaranteed."""
    if endpoint.output_keep is None or len(endpoint.output_keep) != len(endpoint.returns):
        return None
    keys = structured_keys([r.label for r in endpoint.returns])
    properties: dict[str, Any] = {}
    defs: dict[str, Any] = {}
    for key, ret in zip(keys, endpoint.returns, strict=True):
        fragment = _output_node(ret.schema)  # new containers: the shared schema stays as it is
        fragment = hoist_definitions(fragment, key, defs)
        properties[key] = _nullable(fragment)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if keys:
        schema["required"] = keys
    if defs:
        schema["$defs"] = defs
    # Every reference must land in our own $defs: anything else would make clients fail
    # to validate every result.
    if any(not ref.startswith("#/$defs/") or ref[8:] not in defs for ref in _refs(schema)):
        return None
    # No check against the meta-schema here (it cost over a millisecond a tool, most of a
    # big space's listing): the fragments are well-formed already (discovery's
    # `_json_schema`), and what is added around them is; property-based tests hold both to it.
    return schema
