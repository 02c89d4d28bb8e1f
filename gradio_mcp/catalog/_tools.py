"""One endpoint of a discovered space as an MCP tool definition: description, title,
annotations and input schema.

Pure (no I/O), so tests can pin the exact shapes an MCP client sees. Naming is in
`names.py`, the input schema in `input_schema.py`.
"""

from __future__ import annotations

from mcp.types import (
    Tool,
    ToolAnnotations,
)

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


def _space_label(space: GradioSpace) -> str:
    meta = space.metadata
    if meta and meta.title:
        return f"{meta.emoji} {meta.title}".strip() if meta.emoji else meta.title
    return space.id


def tool_title(space: GradioSpace, endpoint: Endpoint) -> str:
    return f"{_space_label(space)}: {endpoint.api_name.lstrip('/')}"


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
    wrote."""
    names = name if isinstance(name, ToolName) else ToolName(name, name)
    title = clip_text(tool_title(space, endpoint), max_description_chars)
    base = annotations or TOOL_ANNOTATIONS
    return Tool(
        name=names.name,
        title=title,
        description=clip_text(tool_description(space, endpoint), max_description_chars),
        input_schema=build_input_schema(endpoint),
        output_schema=build_output_schema(endpoint),
        # Clients of the 2025-03-26 era read the title only from the annotations.
        annotations=base.model_copy(update={"title": title}),
        # The field's alias: mypy (without pydantic's plugin) only knows the constructor by it.
        _meta={
            f"{_META_PREFIX}space": space.id,
            f"{_META_PREFIX}endpoint": "/" + endpoint.api_name.lstrip("/"),
            f"{_META_PREFIX}qualified_name": names.qualified_name,
        },
    )
