"""One endpoint of a discovered space as an MCP tool definition: description, title,
annotations and input schema.

Pure (no I/O), so tests can pin the exact shapes an MCP client sees. Naming is in
`names.py`, the input schema in `input_schema.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from mcp.types import (
    Tool,
    ToolAnnotations,
)

from gradio_mcp._sharing import shared_json
from gradio_mcp.catalog._input_schema import build_input_schema
from gradio_mcp.catalog._names import ToolName
from gradio_mcp.catalog._output_schema import build_output_schema
from gradio_mcp.models import Endpoint, GradioSpace
from gradio_mcp.net import DEFAULT_LIMITS, clip_text

# Gradio endpoints run arbitrary code on somebody else's machine: whether a call only reads,
# destroys something or may be repeated is not ours to know, so those hints stay unset (see
# `_hints.py` for what an operator may declare). Open world: every call reaches a remote service.
TOOL_ANNOTATIONS = ToolAnnotations(open_world_hint=True)

DEFAULT_DESCRIPTION_CHARS = DEFAULT_LIMITS.description_chars
_META_PREFIX = "gradio-mcp/"  # _meta keys need a reverse-DNS-like prefix; "_" is not allowed in it
# Built once: an f-string key would be a new string in every tool's _meta.
_META_SPACE = f"{_META_PREFIX}space"
_META_ENDPOINT = f"{_META_PREFIX}endpoint"
_META_QUALIFIED = f"{_META_PREFIX}qualified_name"


def tool_title(space: GradioSpace, endpoint: Endpoint) -> str:
    meta, label = space.metadata, space.id
    if meta and meta.title:
        label = f"{meta.emoji} {meta.title}".strip() if meta.emoji else meta.title
    return f"{label}: {endpoint.api_name.lstrip('/')}"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


def tool_description(space: GradioSpace, endpoint: Endpoint) -> str:
    api = "/" + endpoint.api_name.lstrip("/")
    origin = f"Gradio Space {space.id}, endpoint {api}"
    described = _sentence(endpoint.description or "")
    if described:
        parts = [f"{described} ({origin})"]
    else:
        title = space.metadata.title if space.metadata and space.metadata.title else None
        named = f' "{title}"' if title else ""
        parts = [f"Calls the {api} endpoint of the Gradio Space {space.id}{named}."]
    files = [p.name for p in endpoint.parameters if p.file]
    if files:
        listed = ", ".join(f"'{name}'" for name in files)
        parts.append(
            f"File inputs ({listed}) take an http(s) URL or a data: URI wherever a file goes."
        )
    if endpoint.returns and "returns:" not in described.lower():
        outputs = [
            f"{r.label} ({r.component})" if r.label and r.component else (r.label or r.component)
            for r in endpoint.returns
        ]
        shown = [o for o in outputs if o]
        if shown:
            parts.append(f"Returns: {', '.join(shown)}.")
    if endpoint.generator:
        parts.append("Streams intermediate results as progress; the result is the final one.")
    return " ".join(parts)


class _GivenFields(set[str]):
    """The fields given to a tool, one set for all built alike: pydantic
    keeps one per model otherwise (700 bytes for a tool), and answers are written with
    `exclude_unset`, which reads it. Catalog tools are never changed: changing one in place
    raises here rather than change them all; a copy (`model_copy`) is a plain set again."""

    def _unchanged(self, *_args: object) -> NoReturn:
        raise TypeError("the tools of a catalog are shared and never changed")

    add = update = discard = remove = clear = _unchanged

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, _memo: object) -> set[str]:
        return set(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (set, (list(self),))


# What a tool built here was given, as a validated construction would record it.
_TOOL_FIELDS = _GivenFields(
    ("name", "title", "description", "input_schema", "output_schema", "annotations", "meta")
)


def build_tool(
    space: GradioSpace,
    endpoint: Endpoint,
    name: ToolName | str,
    *,
    annotations: ToolAnnotations | None = None,
    max_description_chars: int = DEFAULT_DESCRIPTION_CHARS,
) -> Tool:
    """The MCP `Tool` for one endpoint of a discovered space; its description at most
    `max_description_chars` long (`GRADIO_MCP_MAX_DESCRIPTION_CHARS`), whatever the space
    wrote. `tool_from_form(tool_form(...))`."""
    return tool_from_form(
        tool_form(
            space,
            endpoint,
            name,
            annotations=annotations,
            max_description_chars=max_description_chars,
        )
    )


def tool_form(
    space: GradioSpace,
    endpoint: Endpoint,
    name: ToolName | str,
    *,
    annotations: ToolAnnotations | None = None,
    max_description_chars: int = DEFAULT_DESCRIPTION_CHARS,
) -> dict[str, Any]:
    """One endpoint's MCP tool in JSON form (aliases, no unset fields): what a client of
    2025-06-18 or later receives, and the form a catalog keeps its tools in. A tool is listed
    far more often than anything else reads it, and one dict costs a third of a model and its
    wire form together.

    Equal schemas are one shared object (`_sharing`), as are the annotations of every tool
    built alike: the title is the tool's own (a 2025-03-26 client gets it in its annotations
    from the wire forms)."""
    names = name if isinstance(name, ToolName) else ToolName(name, name)
    title = clip_text(tool_title(space, endpoint), max_description_chars)
    form: dict[str, Any] = {
        "name": names.name,
        "title": title,
        "description": clip_text(tool_description(space, endpoint), max_description_chars),
        "inputSchema": shared_json(build_input_schema(endpoint)),
    }
    output_schema = build_output_schema(endpoint)
    if output_schema is not None:
        form["outputSchema"] = shared_json(output_schema)
    form["annotations"] = _annotations_form(annotations or TOOL_ANNOTATIONS)
    form["_meta"] = {
        _META_SPACE: space.id,
        _META_ENDPOINT: "/" + endpoint.api_name.lstrip("/"),
        _META_QUALIFIED: names.qualified_name,
    }
    return form


def tool_from_form(form: Mapping[str, Any]) -> Tool:
    """The `Tool` model of a tool form (`tool_form`), holding the form's own values: built
    without pydantic's validation, which would copy each schema (every value is ours)."""
    annotations = form.get("annotations")
    return Tool.model_construct(
        _TOOL_FIELDS,
        name=form["name"],
        title=form.get("title"),
        description=form.get("description"),
        input_schema=form["inputSchema"],
        output_schema=form.get("outputSchema"),
        annotations=None if annotations is None else ToolAnnotations.model_validate(annotations),
        meta=form.get("_meta"),
    )


def _annotations_form(annotations: ToolAnnotations) -> dict[str, Any]:
    """The annotations' JSON form, one shared object for every tool annotated alike."""
    return shared_json(annotations.model_dump(by_alias=True, mode="json", exclude_none=True))
