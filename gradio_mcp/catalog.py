"""The tools and prompts of a list of spaces, and the index from names back to endpoints."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mcp.types import (
    Prompt,
    Tool,
    ToolAnnotations,
)

from gradio_mcp.models import Endpoint, GradioSpace
from gradio_mcp.names import DEFAULT_NAME_LENGTH, assign_tool_names
from gradio_mcp.prompts import build_prompt
from gradio_mcp.tools import UnknownNameError, build_tool


@dataclass(frozen=True)
class ToolRef:
    """What a tool name stands for: the space and endpoint a call goes to."""

    name: str
    qualified_name: str
    space_id: str
    api_name: str
    space: GradioSpace = field(compare=False, repr=False)
    endpoint: Endpoint = field(compare=False, repr=False)


@dataclass(frozen=True)
class ToolCatalog:
    """The tools and prompts of a list of spaces, and the index from names back to endpoints."""

    tools: tuple[Tool, ...]
    prompts: tuple[Prompt, ...]
    refs: tuple[ToolRef, ...]
    _by_name: Mapping[str, ToolRef] = field(repr=False, compare=False)

    def resolve(self, name: str) -> ToolRef:
        """The endpoint behind a listed or qualified tool (or prompt) name."""
        ref = self._by_name.get(name)
        if ref is None:
            raise UnknownNameError("tool", name)
        return ref

    def tool(self, name: str) -> Tool:
        ref = self.resolve(name)
        return next(tool for tool in self.tools if tool.name == ref.name)

    def prompt(self, name: str) -> Prompt:
        try:
            ref = self.resolve(name)
        except UnknownNameError:
            raise UnknownNameError("prompt", name) from None
        return next(prompt for prompt in self.prompts if prompt.name == ref.name)


def build_catalog(
    spaces: Iterable[GradioSpace],
    *,
    max_name_length: int = DEFAULT_NAME_LENGTH,
    annotations: ToolAnnotations | None = None,
    name_style: str = "space",
) -> ToolCatalog:
    """Tools and prompts for every endpoint of every discovered space, in input order.

    Pass all requested spaces, failed ones included: they contribute no tools, but their ids
    take part in naming so that a failure does not rename anybody else's tools.
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
    tools: list[Tool] = []
    prompts: list[Prompt] = []
    refs: list[ToolRef] = []
    for space, endpoint in pairs:
        api_name = endpoint.api_name.lstrip("/")
        tool_name = names[(space.id, api_name)]
        tools.append(build_tool(space, endpoint, tool_name, annotations=annotations))
        prompts.append(build_prompt(space, endpoint, tool_name.name))
        refs.append(
            ToolRef(tool_name.name, tool_name.qualified_name, space.id, api_name, space, endpoint)
        )
    by_name: dict[str, ToolRef] = {ref.name: ref for ref in refs}
    for ref in refs:  # listed names win if a qualified alias ever looks like one of them
        by_name.setdefault(ref.qualified_name, ref)
    return ToolCatalog(tuple(tools), tuple(prompts), tuple(refs), by_name)
