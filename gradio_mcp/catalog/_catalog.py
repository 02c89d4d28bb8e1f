"""The tools of a list of spaces, and the index from names back to endpoints.

A catalog is built once per set of discovery results and reused while they are unchanged.
Prompts are built only when someone lists them, and a tool's argument checker only when
the tool is first called: a tools/call pays for neither prompts nor the other tools.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

from mcp.types import Prompt, Tool, ToolAnnotations

from gradio_mcp.catalog._hints import ToolHints
from gradio_mcp.catalog._names import DEFAULT_NAME_LENGTH, ToolName, assign_tool_names
from gradio_mcp.catalog._prompts import build_prompt
from gradio_mcp.catalog._tool_ref import ToolRef
from gradio_mcp.catalog._tools import DEFAULT_DESCRIPTION_CHARS, tool_form
from gradio_mcp.discovery import KEPT_OUTCOMES
from gradio_mcp.errors import ErrorPhase, SpaceError, UnknownNameError
from gradio_mcp.models import Endpoint, GradioSpace


def _tools_failed(exc: Exception, space_id: str, what: str) -> SpaceError:
    return SpaceError.from_exception(
        exc, f"cannot turn the endpoints of {space_id} into {what}", phase=ErrorPhase.TOOLS
    )


class ToolCatalog:
    """The tools (and, on demand, prompts) of a list of spaces, and name -> endpoint.

    A space whose endpoints cannot be made into tools (or prompts) has none, and its error
    is in `failures`; the other spaces' are there as usual."""

    def __init__(
        self, refs: Iterable[ToolRef], failures: Mapping[str, SpaceError] | None = None
    ) -> None:
        self.failures: dict[str, SpaceError] = dict(failures or {})
        self.refs: tuple[ToolRef, ...] = tuple(refs)
        # What a listing sends (the tools in JSON form); the models are made on demand.
        self.forms: tuple[dict[str, Any], ...] = tuple(ref.form for ref in self.refs)
        by_name: dict[str, ToolRef] = {ref.name: ref for ref in self.refs}
        for ref in self.refs:  # listed names win if a qualified alias ever looks like one
            by_name.setdefault(ref.qualified_name, ref)
        self._by_name = by_name

    @property
    def tools(self) -> tuple[Tool, ...]:
        """The tools as MCP models, made from their forms on each call."""
        return tuple(ref.tool for ref in self.refs)

    @cached_property
    def prompts(self) -> tuple[Prompt, ...]:
        """One prompt per tool, built the first time prompts are listed; a space whose
        prompts cannot be built has none (and its failure is noted)."""
        by_space: dict[str, list[Prompt]] = {}
        broken: set[str] = set()
        for ref in self.refs:
            if ref.space_id in broken:
                continue
            try:
                prompt = build_prompt(ref.endpoint, ref.name, ref.tool)
            except Exception as exc:
                broken.add(ref.space_id)
                by_space.pop(ref.space_id, None)
                self.failures.setdefault(ref.space_id, _tools_failed(exc, ref.space_id, "prompts"))
                continue
            by_space.setdefault(ref.space_id, []).append(prompt)
        return tuple(prompt for prompts in by_space.values() for prompt in prompts)

    def mark_failures(self, spaces: Sequence[GradioSpace]) -> list[GradioSpace]:
        """The discovery results with this catalog's failures as their spaces' errors."""
        return [
            dataclasses.replace(space, error=self.failures[space.id])
            if space.ok and space.id in self.failures
            else space
            for space in spaces
        ]

    def resolve(self, name: str, kind: str = "tool") -> ToolRef:
        """The endpoint behind a listed or qualified tool name."""
        ref = self._by_name.get(name)
        if ref is None:
            raise UnknownNameError(kind, name)
        return ref

    def resolve_prompt(self, name: str) -> ToolRef:
        """The endpoint behind a prompt name (prompts are named as their tools)."""
        return self.resolve(name, "prompt")

    def prompt(self, name: str) -> Prompt:
        ref = self.resolve_prompt(name)
        return next(prompt for prompt in self.prompts if prompt.name == ref.name)


def build_catalog(
    spaces: Iterable[GradioSpace],
    *,
    max_name_length: int = DEFAULT_NAME_LENGTH,
    annotations: ToolAnnotations | None = None,
    name_style: str = "space",
    max_description_chars: int = DEFAULT_DESCRIPTION_CHARS,
    hints: ToolHints | None = None,
    ahead: ToolsAhead | None = None,
) -> ToolCatalog:
    """Tools for every endpoint of every discovered space, in input order.

    Pass all requested spaces, failed ones included: they contribute no tools, but their ids
    take part in naming so that a failure does not rename anybody else's tools. `hints` (the
    operator's declarations) decide each tool's annotations; else `annotations`, for all.
    `ahead`: tools already built as the spaces arrived, under the same options.
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
    by_space: dict[str, list[ToolRef]] = {}
    failures: dict[str, SpaceError] = {}
    for space, endpoint in pairs:
        if space.id in failures:
            continue
        api_name = endpoint.api_name.lstrip("/")
        tool_name = names[(space.id, api_name)]
        # The boundary of a space's schema in serving: what it holds can break the schema
        # building or the MCP types' checks, and then this space alone has no tools.
        try:
            made = ahead.take(space, api_name, tool_name) if ahead is not None else None
            # A tool built ahead comes with its equal name, whose texts it holds already.
            tool_name, form = made or (
                tool_name,
                _tool(space, endpoint, tool_name, hints, annotations, max_description_chars),
            )
        except Exception as exc:
            failures[space.id] = _tools_failed(exc, space.id, "tools")
            by_space.pop(space.id, None)
            continue
        by_space.setdefault(space.id, []).append(
            ToolRef(
                tool_name.name, tool_name.qualified_name, space.id, api_name, space, endpoint, form
            )
        )
    return ToolCatalog((ref for refs in by_space.values() for ref in refs), failures)


def _tool(
    space: GradioSpace,
    endpoint: Endpoint,
    name: ToolName,
    hints: ToolHints | None,
    annotations: ToolAnnotations | None,
    max_description_chars: int,
) -> dict[str, Any]:
    """One endpoint's tool form, annotated as the operator's hints say (else `annotations`)."""
    api_name = endpoint.api_name.lstrip("/")
    chosen = hints.annotations(space.id, api_name) if hints else annotations
    return tool_form(
        space, endpoint, name, annotations=chosen, max_description_chars=max_description_chars
    )


class ToolsAhead:
    """Tools built before their catalog, a space at a time as discovery hands them over
    (`Discovery.get_spaces(on_space=...)`), so that building a big catalog overlaps the wait
    for its last spaces. Each is built under the name it has alone; the catalog takes those
    whose name it keeps (nearly all: a name changes only on a clash with another space) and
    builds the rest. Options as `build_catalog`'s, which must be given the same; `on_built`
    hears of each space's tools once built (a listing makes their wire forms then)."""

    # A space with more endpoints is left to the catalog (built in a worker thread when big),
    # so that a callback on the event loop never takes long.
    MAX_ENDPOINTS = 64

    def __init__(
        self,
        *,
        max_name_length: int = DEFAULT_NAME_LENGTH,
        name_style: str = "space",
        max_description_chars: int = DEFAULT_DESCRIPTION_CHARS,
        hints: ToolHints | None = None,
        annotations: ToolAnnotations | None = None,
        on_built: Callable[[Sequence[dict[str, Any]]], None] | None = None,
    ) -> None:
        self._names = (max_name_length, name_style)
        self._tool_options = (hints, annotations, max_description_chars)
        self._on_built = on_built
        self._made: dict[tuple[str, str], tuple[GradioSpace, ToolName, dict[str, Any]]] = {}

    def __len__(self) -> int:
        return len(self._made)

    def add(self, space: GradioSpace) -> None:
        """Build the tools of a space just discovered: not when it failed, nor when its
        schema came from the cache as it was (a catalog kept already has its tools)."""
        if not space.ok or len(space.endpoints) > self.MAX_ENDPOINTS:
            return
        if space.timings.schema_cache in KEPT_OUTCOMES:
            return
        max_length, style = self._names
        try:
            names = assign_tool_names(
                [space.id],
                [(space.id, endpoint.api_name) for endpoint in space.endpoints],
                max_length=max_length,
                style=style,
            )
            built: list[dict[str, Any]] = []
            for endpoint in space.endpoints:
                api_name = endpoint.api_name.lstrip("/")
                name = names[(space.id, api_name)]
                form = _tool(space, endpoint, name, *self._tool_options)
                self._made[(space.id, api_name)] = (space, name, form)
                built.append(form)
            if self._on_built is not None:
                self._on_built(built)
        except Exception:
            return  # the catalog builds these again, and says what failed

    def take(
        self, space: GradioSpace, api_name: str, name: ToolName
    ) -> tuple[ToolName, dict[str, Any]] | None:
        """The tool built ahead for this endpoint under this name (and that name), if any."""
        made = self._made.get((space.id, api_name))
        if made is None or made[0] is not space or made[1] != name:
            return None
        return made[1], made[2]
