"""`$defs` of one value's schema moved to the root of a tool's schema, refs rewritten."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gradio_mcp.catalog._names import sanitize_name

_DEFINITIONS = ("$defs", "definitions")  # pydantic 1 wrote "definitions"


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


def hoist_definitions(
    fragment: Mapping[str, Any], name: str, defs: dict[str, Any]
) -> dict[str, Any]:
    """A new fragment with its `$defs` moved to `defs` (the root), where its `#/$defs/...`
    refs will look; `fragment` itself is left as it is (it may be shared)."""
    rewrite: dict[str, str] = {}
    hoisted: list[tuple[str, Any]] = []
    for key in _DEFINITIONS:
        for def_name, definition in (fragment.get(key) or {}).items():
            target = def_name
            if target in defs and defs[target] != definition:
                target = f"{def_name}__{sanitize_name(name)}"
            rewrite[f"#/{key}/{def_name}"] = f"#/$defs/{target}"
            hoisted.append((target, definition))
    escaped = name.replace("~", "~0").replace("/", "~1")
    pointer = f"#/properties/{escaped}"
    for target, definition in hoisted:
        defs[target] = _rewrite_refs(definition, rewrite, pointer)
    rest = {k: v for k, v in fragment.items() if k not in _DEFINITIONS}
    hoisted_fragment: dict[str, Any] = _rewrite_refs(rest, rewrite, pointer)
    return hoisted_fragment
