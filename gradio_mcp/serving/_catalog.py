"""The tools of a list of spaces, and the index from names back to endpoints.

A catalog is built once per set of discovery results and reused while they are unchanged.
Prompts are built only when someone lists them, and a tool's argument checker only when
the tool is first called: a tools/call pays for neither prompts nor the other tools.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from mcp.types import Prompt, Tool, ToolAnnotations

from gradio_mcp.errors import UnknownNameError
from gradio_mcp.models import Endpoint, GradioSpace
from gradio_mcp.serving._hints import ToolHints
from gradio_mcp.serving._names import DEFAULT_NAME_LENGTH, assign_tool_names
from gradio_mcp.serving._prompts import build_prompt
from gradio_mcp.serving._tool_ref import ToolRef
from gradio_mcp.serving._tools import build_tool


class ToolCatalog:
    """The tools (and, on demand, prompts) of a list of spaces, and name -> endpoint."""

    def __init__(self, refs: Iterable[ToolRef]) -> None:
        self.refs: tuple[ToolRef, ...] = tuple(refs)
        self.tools: tuple[Tool, ...] = tuple(ref.tool for ref in self.refs)
        by_name: dict[str, ToolRef] = {ref.name: ref for ref in self.refs}
        for ref in self.refs:  # listed names win if a qualified alias ever looks like one
            by_name.setdefault(ref.qualified_name, ref)
        self._by_name = by_name

    @cached_property
    def prompts(self) -> tuple[Prompt, ...]:
        """One prompt per tool, built the first time prompts are listed."""
        return tuple(build_prompt(ref.space, ref.endpoint, ref.name) for ref in self.refs)

    def resolve(self, name: str) -> ToolRef:
        """The endpoint behind a listed or qualified tool name."""
        ref = self._by_name.get(name)
        if ref is None:
            raise UnknownNameError("tool", name)
        return ref

    def resolve_prompt(self, name: str) -> ToolRef:
        """The endpoint behind a prompt name (prompts are named as their tools)."""
        ref = self._by_name.get(name)
        if ref is None:
            raise UnknownNameError("prompt", name)
        return ref

    def tool(self, name: str) -> Tool:
        return self.resolve(name).tool

    def prompt(self, name: str) -> Prompt:
        ref = self.resolve_prompt(name)
        return next(prompt for prompt in self.prompts if prompt.name == ref.name)


def build_catalog(
    spaces: Iterable[GradioSpace],
    *,
    max_name_length: int = DEFAULT_NAME_LENGTH,
    annotations: ToolAnnotations | None = None,
    name_style: str = "space",
    hints: ToolHints | None = None,
) -> ToolCatalog:
    """Tools for every endpoint of every discovered space, in input order.

    Pass all requested spaces, failed ones included: they contribute no tools, but their ids
    take part in naming so that a failure does not rename anybody else's tools. `hints` (the
    operator's declarations) decide each tool's annotations; else `annotations`, for all.
    """
    spaces = list(spaces)
    pairs: list[tuple[GradioSpace, Endpoint]] = []
    seen: set[tuple[str, str]] = set()
    for space in spaces:
        for endpoint in space.endpoints if space.ok else ():
            key = (space.id, endpoint.api_name.lstrip("/"))
            if key not in seen:  # the same space requested twice lists its tools once
                seen.add(key)
                pairs.append((space, endpoint))
    names = assign_tool_names(
        [space.id for space in spaces],
        [(space.id, endpoint.api_name) for space, endpoint in pairs],
        max_length=max_name_length,
        style=name_style,
    )
    refs: list[ToolRef] = []
    for space, endpoint in pairs:
        api_name = endpoint.api_name.lstrip("/")
        tool_name = names[(space.id, api_name)]
        declared = hints.annotations(space.id, api_name) if hints else annotations
        tool = build_tool(space, endpoint, tool_name, annotations=declared)
        refs.append(
            ToolRef(
                tool_name.name, tool_name.qualified_name, space.id, api_name, space, endpoint, tool
            )
        )
    return ToolCatalog(refs)
