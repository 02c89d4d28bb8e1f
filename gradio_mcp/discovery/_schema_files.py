"""Where files sit in a Gradio type schema, and the same schema with URL strings there.

Gradio describes a file as a FileData (or ImageData) object, and puts it anywhere: at the top
(Image, Audio, File), under `items` (File multiple, Gallery), under `prefixItems`
(ImageSlider), in `properties` (MultimodalTextbox `files`, ImageEditor `layers`), behind a
`$ref` into `$defs`, inside `anyOf` alternatives, and two `$ref`s deep (Chatbot messages,
AnnotatedImage). A tool's caller gives a URL at each of those places instead, so:

* `tool_schema` is the schema with each file object replaced by a URL string (`format: uri`)
  and every wrapper around it kept (Gallery `{image, caption}`, MultimodalTextbox
  `{text, files}`...);
* `file_paths` lists where the files are, as paths through the value: a key, an index
  (`prefixItems`), or `"*"` for every item of a list or every value of a mapping.

The rule for "this schema is a file" is Gradio's own (as gradio_client applies it): an object
with `path` and `meta` properties whose `meta` says `_type: "gradio.FileData"`. Pure; bounded
in depth and in the number of paths, since the schema comes from the space.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gradio_mcp.models import ANY_ITEM

FILE_MARKER = "gradio.FileData"
FILE_URL_DESCRIPTION = "an http(s) URL or a data: URI of the file"
MAX_DEPTH = 24
MAX_FILE_PATHS = 64
# Keywords whose values are data, not schemas: never look for files inside them.
_VALUE_KEYWORDS = frozenset({"default", "const", "enum", "examples", "example"})
_DEFS_KEYWORDS = ("$defs", "definitions")  # pydantic 1 wrote "definitions"

FilePath = tuple[str | int, ...]


def file_url_schema(description: str | None = None) -> dict[str, Any]:
    """What a tool's caller gives where Gradio wants a file: a URL string."""
    text = f"{description} ({FILE_URL_DESCRIPTION})" if description else FILE_URL_DESCRIPTION
    return {"type": "string", "format": "uri", "description": text}


def is_file_url_schema(node: Mapping[str, Any]) -> bool:
    """Whether a schema is a file position as `file_url_schema` writes it (a space's own
    `format` keywords are dropped, so no other string schema says `uri`)."""
    return node.get("format") == "uri" and node.get("type") == "string"


def _definitions(schema: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in _DEFS_KEYWORDS:
        defs = schema.get(key)
        if isinstance(defs, Mapping):
            found.update({str(name): value for name, value in defs.items()})
    return found


def _ref_name(ref: Any) -> str | None:
    if not isinstance(ref, str):
        return None
    for key in _DEFS_KEYWORDS:
        prefix = f"#/{key}/"
        if ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
            return ref[len(prefix) :]
    return None


def _resolve(node: Any, defs: Mapping[str, Any]) -> Any:
    name = _ref_name(node.get("$ref")) if isinstance(node, Mapping) else None
    return defs.get(name) if name is not None else node


def is_file_schema(node: Any, defs: Mapping[str, Any]) -> bool:
    """Gradio's test for a file object schema (FileData, ImageData, or a custom one)."""
    if not isinstance(node, Mapping):
        return False
    props = node.get("properties")
    if not isinstance(props, Mapping) or "path" not in props or "meta" not in props:
        return False
    meta = _resolve(props.get("meta"), defs)
    if not isinstance(meta, Mapping):
        return False
    meta_type = (meta.get("properties") or {}).get("_type")
    if isinstance(meta_type, Mapping) and meta_type.get("const") == FILE_MARKER:
        return True
    default = meta.get("default")
    return isinstance(default, Mapping) and default.get("_type") == FILE_MARKER


def file_paths(schema: Any) -> tuple[FilePath, ...]:
    """Where the files are in values of `schema` (empty when it holds none)."""
    if not isinstance(schema, Mapping):
        return ()
    defs = _definitions(schema)
    found: list[FilePath] = []

    def walk(node: Any, path: FilePath, refs: frozenset[str]) -> None:
        if len(found) >= MAX_FILE_PATHS or len(path) > MAX_DEPTH or not isinstance(node, Mapping):
            return
        name = _ref_name(node.get("$ref"))
        if name is not None:
            if name in refs or name not in defs:
                return  # a recursive definition: its files were found one level up
            node, refs = defs[name], refs | {name}
            if not isinstance(node, Mapping):
                return
        if is_file_schema(node, defs):
            if path not in found:
                found.append(path)
            return
        for key in ("anyOf", "oneOf", "allOf"):
            alternatives = node.get(key)
            for alternative in alternatives if isinstance(alternatives, list) else ():
                walk(alternative, path, refs)
        items = node.get("items")
        if isinstance(items, Mapping):
            walk(items, (*path, ANY_ITEM), refs)
        elif isinstance(items, list):  # draft 4 tuples
            for index, item in enumerate(items):
                walk(item, (*path, index), refs)
        prefix = node.get("prefixItems")
        if isinstance(prefix, list):
            for index, item in enumerate(prefix):
                walk(item, (*path, index), refs)
        props = node.get("properties")
        if isinstance(props, Mapping):
            for key, value in props.items():
                walk(value, (*path, str(key)), refs)
        extra = node.get("additionalProperties")
        if isinstance(extra, Mapping):
            walk(extra, (*path, ANY_ITEM), refs)

    walk(schema, (), frozenset())
    return tuple(found)


def tool_schema(schema: Any, description: str | None = None) -> dict[str, Any]:
    """`schema` with every file object replaced by a URL string, wrappers kept.

    Definitions that only described files are dropped, and so is any definition nothing
    refers to any more. `description` goes on a top-level file (the parameter's own text).
    """
    if not isinstance(schema, Mapping):
        return {}
    defs = _definitions(schema)
    file_defs = {name for name, value in defs.items() if is_file_schema(value, defs)}

    def rewrite(node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return {}  # deeper than any real component: accept anything there
        if isinstance(node, list):
            return [rewrite(item, depth + 1) for item in node]
        if not isinstance(node, Mapping):
            return node
        if _ref_name(node.get("$ref")) in file_defs or is_file_schema(node, defs):
            text = node.get("description") if depth else description
            return file_url_schema(text if isinstance(text, str) and len(text) < 300 else None)
        return {
            key: value if key in _VALUE_KEYWORDS else rewrite(value, depth + 1)
            for key, value in node.items()
            if key not in _DEFS_KEYWORDS
        }

    converted: dict[str, Any] = rewrite(schema, 0)
    kept = {name: rewrite(value, 1) for name, value in defs.items() if name not in file_defs}
    used = _referenced(converted, kept)
    if used:
        converted["$defs"] = {name: kept[name] for name in kept if name in used}
    # `#/definitions/X` refs now point into `$defs`.
    return _renamed_refs(converted) if "definitions" in schema else converted


def _referenced(root: Any, defs: Mapping[str, Any]) -> set[str]:
    """Names of the definitions reachable from `root` (through other definitions too)."""
    used: set[str] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, Mapping):
            name = _ref_name(node.get("$ref"))
            if name is not None and name in defs and name not in used:
                used.add(name)
                pending.append(defs[name])
            pending.extend(v for k, v in node.items() if k not in _VALUE_KEYWORDS)
    return used


def _renamed_refs(node: Any) -> Any:
    if isinstance(node, list):
        return [_renamed_refs(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
            out[key] = "#/$defs/" + value[len("#/definitions/") :]
        elif key in _VALUE_KEYWORDS:
            out[key] = value
        else:
            out[key] = _renamed_refs(value)
    return out


def files_as_urls(value: Any, depth: int = 0) -> Any:
    """A value (a default, an example) with each FileData object replaced by its URL."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, list):
        return [files_as_urls(item, depth + 1) for item in value]
    if not isinstance(value, Mapping):
        return value
    if isinstance(value.get("path"), str) and ("meta" in value or "url" in value):
        return value.get("url") or value["path"]
    return {key: files_as_urls(item, depth + 1) for key, item in value.items()}
