"""A space's JSON Schema fragments made well-formed (Draft 2020-12) and safe to use. Pure.

A tool's input and output schemas are built from what the space wrote in `/info` and its
MCP schema, and every client (and our own argument check) reads them as JSON Schema. A
keyword whose value does not fit its definition would make the whole schema invalid: such a
keyword is dropped, a sub-schema that is not one becomes `{}` (any value). Keywords a space
could use against us are dropped wherever they are:

* `pattern`, `patternProperties`: the space's regular expressions would run in our process
  on every argument check (a backtracking pattern can freeze the server);
* `format`: ours to set (file positions);
* `$ref` other than a pointer into the same document (no retrieval of anything), `$id`,
  `$schema`, `$anchor`, `$dynamic*`, `$vocabulary`: they change how references resolve;
* `x-*` extensions: they can steer what the MCP SDK checks in request headers.

Descriptions and titles are cut to `max_text` characters. One pass over the fragment, so
the cost is linear in its size (the JSON depth cap bounds the recursion).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from gradio_mcp.net import clip_text

SIMPLE_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})


def json_type(value: Any) -> str:
    """The JSON Schema type of a value ("integer" for 3, "number" for 3.5, never "boolean"
    for a number); the Python type's name for a value JSON cannot hold."""
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


_SCHEMA = frozenset(
    {
        "not",
        "if",
        "then",
        "else",
        "items",
        "additionalItems",
        "contains",
        "additionalProperties",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAPS = frozenset({"properties", "$defs", "definitions", "dependentSchemas"})
_NUMBERS = frozenset({"maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"})
_COUNTS = frozenset(
    {
        "maxLength",
        "minLength",
        "maxItems",
        "minItems",
        "maxContains",
        "minContains",
        "maxProperties",
        "minProperties",
    }
)
_FLAGS = frozenset({"uniqueItems", "deprecated", "readOnly", "writeOnly"})
_CUT_TEXTS = frozenset({"title", "description"})
_TEXTS = frozenset({"$comment", "contentEncoding", "contentMediaType"})
_ARRAYS = frozenset({"enum", "examples"})
_DROPPED = frozenset(
    {
        "pattern",
        "patternProperties",
        "format",
        "$schema",
        "$id",
        "$anchor",
        "$dynamicAnchor",
        "$dynamicRef",
        "$recursiveRef",
        "$recursiveAnchor",
        "$vocabulary",
        "dependencies",
    }
)
# A JSON pointer into the same document, in URI characters (RFC 3986 `pchar`): nothing that
# could name another resource.
_LOCAL_REF = re.compile(r"#(?:/[A-Za-z0-9_.~%$!&'()*+,;=:@-]*)*")


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _unique_texts(value: Any) -> bool:
    return (
        isinstance(value, list)
        and all(isinstance(item, str) for item in value)
        and len(set(value)) == len(value)
    )


def _type(value: Any) -> Any:
    """A `type` value as 2020-12 allows it, or None."""
    if isinstance(value, str):
        return value if value in SIMPLE_TYPES else None
    if isinstance(value, list):
        kept = [t for t in value if isinstance(t, str) and t in SIMPLE_TYPES]
        return list(dict.fromkeys(kept)) or None
    return None


def well_formed_schema(node: Any, max_text: int) -> Any:
    """`node` as a well-formed schema: a boolean schema as is, an object cleaned (see the
    module), anything else `{}`."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, Mapping):
        return {}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if not isinstance(key, str) or key in _DROPPED or key.startswith("x-"):
            continue
        kept = _keyword(key, value, max_text)
        if kept is not _DROP:
            out[key] = kept
    return out


_DROP = object()


def _keyword(key: str, value: Any, max_text: int) -> Any:
    if key in _SCHEMA:
        if key == "items" and isinstance(value, list):  # the tuple form of older drafts
            return _DROP
        return well_formed_schema(value, max_text)
    if key in _SCHEMA_LISTS:
        if not isinstance(value, list) or not value:
            return _DROP
        return [well_formed_schema(item, max_text) for item in value]
    if key in _SCHEMA_MAPS:
        if not isinstance(value, Mapping):
            return _DROP
        return {
            str(name): well_formed_schema(sub, max_text)
            for name, sub in value.items()
            if isinstance(name, str)
        }
    if key == "type":
        kept = _type(value)
        return _DROP if kept is None else kept
    if key == "$ref":
        return value if isinstance(value, str) and _LOCAL_REF.fullmatch(value) else _DROP
    if key == "required":
        return value if _unique_texts(value) else _DROP
    if key == "dependentRequired":
        if not isinstance(value, Mapping) or not all(_unique_texts(v) for v in value.values()):
            return _DROP
        return dict(value)
    if key in _NUMBERS:
        return value if _is_number(value) else _DROP
    if key == "multipleOf":
        return value if _is_number(value) and value > 0 else _DROP
    if key in _COUNTS:
        is_count = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return value if is_count else _DROP
    if key in _FLAGS:
        return value if isinstance(value, bool) else _DROP
    if key in _CUT_TEXTS:
        return clip_text(value, max_text) if isinstance(value, str) else _DROP
    if key in _TEXTS:
        return value if isinstance(value, str) else _DROP
    if key in _ARRAYS:
        return value if isinstance(value, list) else _DROP
    return value  # default, const, and keywords JSON Schema does not define: any value
