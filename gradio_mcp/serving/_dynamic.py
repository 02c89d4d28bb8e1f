"""Spaces found on demand: three tools with which an agent searches the Hub for Gradio spaces,
reads a space's endpoints and calls one, without anybody configuring the space first.

* `search_spaces` asks the Hub's space listing (Gradio spaces only; optionally only those
  that enabled Gradio's MCP server) and answers with ids, titles, likes, runtime stages and
  one-line descriptions, as text and as `structuredContent`, a page at a time.
* `describe_space` shows a space's endpoints as tools/list would list them, through the same
  cached discovery as configured spaces (the caller's token; private spaces never cached).
* `call_space` turns its arguments into the `ToolRef` of one endpoint and hands it back to the
  server, which runs it exactly as it runs a configured tool: argument checks before anything
  is sent, progress, files, the private-space rules, tasks for clients that opt in.

They are offered when `GRADIO_MCP_DYNAMIC=true`, or per request with `?dynamic=true`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mcp import types

from gradio_mcp._log import get_logger
from gradio_mcp.catalog import ArgumentChecker, ToolCatalog, ToolRef, error_result
from gradio_mcp.config import Settings
from gradio_mcp.discovery import (
    MAX_CURSOR_CHARS,
    MAX_QUERY_CHARS,
    SORTS,
    SearchPage,
    SpaceQuery,
    SpaceSearch,
)
from gradio_mcp.errors import HubError, ToolArgumentError
from gradio_mcp.models import GradioSpace
from gradio_mcp.serving._catalogs import Catalogs
from gradio_mcp.serving._pagination import decode_cursor, encode_cursor

log = get_logger("gradio_mcp.server")

SEARCH_SPACES = "search_spaces"
DESCRIBE_SPACE = "describe_space"
CALL_SPACE = "call_space"
NAMES = frozenset({SEARCH_SPACES, DESCRIBE_SPACE, CALL_SPACE})
_ID_CHARS = 200

# Reading the Hub changes nothing, and asking twice changes nothing either.
_READS = types.ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)


def _string(description: str, max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "description": description}


# What search_spaces and describe_space say of every space.
_SPACE_FIELDS: dict[str, Any] = {
    "id": {"type": "string"},
    "title": {"type": "string"},
    "emoji": {"type": "string"},
    "private": {"type": "boolean"},
    "mcp_server": {"type": "boolean"},
}
# What search_spaces answers: a page of spaces, and the cursor of the next one.
_SEARCH_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spaces": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    **_SPACE_FIELDS,
                    "stage": {"type": "string"},
                    "description": {"type": "string"},
                    "likes": {"type": "integer"},
                },
                "required": ["id", "likes", "private", "mcp_server"],
            },
        },
        "next_cursor": {"type": "string"},
    },
    "required": ["spaces"],
}


def search_tool(max_results: int) -> types.Tool:
    title = "Search Gradio Spaces"
    return types.Tool(
        name=SEARCH_SPACES,
        title=title,
        description=(
            "Search the Hugging Face Hub for Gradio Spaces whose id or title contains the"
            " query. Each result has the space id, title, likes, runtime stage (RUNNING spaces"
            " answer at once; others must be woken on the Hub) and a one-line description."
            " Next: describe_space shows a space's endpoints, call_space runs one."
        ),
        input_schema={
            "type": "object",
            "properties": {
                "query": _string(
                    'A word or phrase in the space\'s id or title, e.g. "whisper" or "image".',
                    MAX_QUERY_CHARS,
                ),
                "limit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": max_results,
                    "default": min(10, max_results),
                    "description": "How many spaces to return.",
                },
                "sort": {
                    "type": "string",
                    "enum": list(SORTS),
                    "default": "likes",
                    "description": "Order of the results, highest first.",
                },
                "mcp_only": {
                    "type": "boolean",
                    "default": False,
                    "description": "Only spaces that enabled Gradio's MCP server.",
                },
                "cursor": _string(
                    "The next_cursor of an earlier result, for the page after it (the query,"
                    " limit, sort and mcp_only of that search are kept).",
                    2 * MAX_CURSOR_CHARS,
                ),
            },
            "required": ["query"],
            "additionalProperties": False,
        },
        output_schema=_SEARCH_OUTPUT,
        annotations=_READS.model_copy(update={"title": title}),
    )


def describe_tool() -> types.Tool:
    title = "Describe a Gradio Space"
    return types.Tool(
        name=DESCRIBE_SPACE,
        title=title,
        description=(
            "List the endpoints of a Gradio Space on the Hugging Face Hub, each with its"
            " description and the JSON Schema of its arguments, as call_space takes them."
        ),
        input_schema={
            "type": "object",
            "properties": {
                "space_id": _string('The space, as "owner/name" (or its Hub URL).', _ID_CHARS)
            },
            "required": ["space_id"],
            "additionalProperties": False,
        },
        output_schema={
            "type": "object",
            "properties": {
                "space": {
                    "type": "object",
                    "properties": _SPACE_FIELDS,
                    "required": ["id", "private"],
                },
                "endpoints": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "endpoint": {"type": "string"},
                            "name": {"type": "string"},
                            "title": {"type": "string"},
                            "description": {"type": "string"},
                            "inputSchema": {"type": "object"},
                            "annotations": {"type": "object"},
                        },
                        "required": ["endpoint", "name", "inputSchema"],
                    },
                },
            },
            "required": ["space", "endpoints"],
        },
        annotations=_READS.model_copy(update={"title": title}),
    )


def call_tool() -> types.Tool:
    title = "Call a Gradio Space"
    return types.Tool(
        name=CALL_SPACE,
        title=title,
        description=(
            "Run one endpoint of a Gradio Space on the Hugging Face Hub and return its result."
            " Take the endpoint and the arguments' schema from describe_space. File inputs"
            " take an http(s) URL or a data: URI. Long runs report progress. A private space"
            " needs the caller's own Hub token."
        ),
        input_schema={
            "type": "object",
            "properties": {
                "space_id": _string('The space, as "owner/name" (or its Hub URL).', _ID_CHARS),
                "endpoint": _string(
                    'The endpoint, as describe_space names it, e.g. "/predict".', _ID_CHARS
                ),
                "arguments": {
                    "type": "object",
                    "default": {},
                    "description": "The endpoint's arguments, by name.",
                },
            },
            "required": ["space_id", "endpoint"],
            "additionalProperties": False,
        },
        # What a space does is not ours to vouch for (see _hints.py).
        annotations=types.ToolAnnotations(title=title, open_world_hint=True),
    )


# ------------------------------------------------------------------------------ cursors


def search_cursor(query: SpaceQuery, hub_cursor: str) -> str:
    """Our cursor: the search it continues and the Hub's cursor, opaque to the client."""
    state = {"q": query.text, "l": query.limit, "s": query.sort, "m": query.mcp_only}
    return encode_cursor({**state, "c": hub_cursor})


def read_search_cursor(cursor: str, max_results: int) -> SpaceQuery:
    """The query a cursor continues; ValueError when it is not one of ours."""
    try:
        state = decode_cursor(cursor, max_chars=2 * MAX_CURSOR_CHARS)
        text, limit, sort, mcp_only, hub = (state[k] for k in ("q", "l", "s", "m", "c"))
    except (ValueError, KeyError):
        raise ValueError("not a cursor of search_spaces") from None
    kinds = ((text, str), (limit, int), (sort, str), (mcp_only, bool), (hub, str))
    if not all(isinstance(value, kind) for value, kind in kinds):
        raise ValueError("not a cursor of search_spaces")
    return SpaceQuery(text, min(limit, max_results), sort, mcp_only, hub)


# ------------------------------------------------------------------------------ texts


def search_text(query: SpaceQuery, page: SearchPage, cursor: str | None) -> str:
    if not page.spaces:
        return f"No Gradio space has {query.text!r} in its id or title."
    lines = [f"Gradio spaces matching {query.text!r}, by {query.sort}:"]
    for number, space in enumerate(page.spaces, 1):
        label = " ".join(part for part in (space.emoji, space.title) if part)
        facts = [f"{space.likes} likes", space.stage or "stage unknown"]
        if space.mcp_server:
            facts.append("MCP server")
        if space.private:
            facts.append("private")
        head = f"{number}. {space.id}" + (f" ({label})" if label else "")
        lines.append(f"{head}: {', '.join(facts)}")
        if space.description:
            lines.append(f"   {space.description}")
    if cursor is not None:
        lines.append(f'More results: search_spaces with cursor="{cursor}".')
    lines.append("describe_space shows a space's endpoints; call_space runs one.")
    return "\n".join(lines)


def describe_text(space: GradioSpace, endpoints: list[dict[str, Any]]) -> str:
    meta = space.metadata
    label = " ".join(part for part in (meta.emoji, meta.title) if part) if meta else ""
    lines = [f"{space.id}" + (f" ({label})" if label else "") + f": {len(endpoints)} endpoints."]
    for entry in endpoints:
        lines.append(f"- {entry['endpoint']}: {entry.get('description', '')}")
        schema = json.dumps(entry["inputSchema"], ensure_ascii=False, separators=(",", ":"))
        lines.append(f"  arguments (JSON Schema): {schema}")
    lines.append(
        f'Run one with call_space(space_id="{space.id}", endpoint=..., arguments={{...}}).'
    )
    return "\n".join(lines)


# ------------------------------------------------------------------------------ the tools


class DynamicSpaces:
    """The three tools and what each call of them needs from discovery and the Hub."""

    def __init__(self, settings: Settings, search: SpaceSearch, catalogs: Catalogs) -> None:
        self.settings = settings
        self.search = search
        self.catalogs = catalogs
        self.tools: tuple[types.Tool, ...] = (
            search_tool(settings.search_max_results),
            describe_tool(),
            call_tool(),
        )
        self.schemas: dict[str, Mapping[str, Any]] = {t.name: t.input_schema for t in self.tools}
        self._checkers = {name: ArgumentChecker(s) for name, s in self.schemas.items()}

    async def run(
        self, name: str, arguments: Mapping[str, Any] | None, token: str | None
    ) -> types.CallToolResult | tuple[ToolRef, dict[str, Any]]:
        """A result for search and describe; for call, the endpoint and its arguments."""
        given = dict(arguments or {})
        try:
            self._checkers[name].check(given, name)
        except ToolArgumentError as exc:
            return error_result(str(exc))
        if name == SEARCH_SPACES:
            return await self._search(given, token)
        if name == DESCRIBE_SPACE:
            return await self._describe(given["space_id"], token)
        return await self._resolve_call(given, token)

    # ------------------------------------------------------------------ search

    async def _search(self, given: dict[str, Any], token: str | None) -> types.CallToolResult:
        top = self.settings.search_max_results
        try:
            if "cursor" in given:
                query = read_search_cursor(given["cursor"], top)
            else:
                query = SpaceQuery(
                    given["query"],
                    min(given.get("limit", min(10, top)), top),
                    given.get("sort", "likes"),
                    given.get("mcp_only", False),
                )
        except ValueError as exc:
            return error_result(f"Invalid arguments for tool '{SEARCH_SPACES}': {exc}")
        try:
            page = await self.search.search(query, token)
        except HubError as exc:
            return error_result(f"The space search failed: {exc}. Try again shortly.")
        cursor = search_cursor(query, page.next_cursor) if page.next_cursor else None
        structured: dict[str, Any] = {"spaces": [space.to_dict() for space in page.spaces]}
        if cursor is not None:
            structured["next_cursor"] = cursor
        log.info("space_search", results=len(page.spaces), more=cursor is not None)
        return types.CallToolResult(
            content=[types.TextContent(text=search_text(query, page, cursor))],
            structured_content=structured,
        )

    # ------------------------------------------------------------------ describe and call

    async def _space(self, space_id: str, token: str | None) -> tuple[GradioSpace, ToolCatalog]:
        """One space through the cached discovery, waiting as long as a call would; its
        catalog (and the argument checkers compiled in it) from the server's catalogs."""
        deadline = self.settings.schema_timeout_ms / 1000 + 1
        discovery = self.catalogs.discovery
        found = await discovery.get_spaces([space_id], token, deadline=deadline, rewait=True)
        (space,), catalog = await self.catalogs.build(found)
        return space, catalog

    async def _describe(self, space_id: str, token: str | None) -> types.CallToolResult:
        space, catalog = await self._space(space_id, token)
        if space.error is not None:
            return error_result(f"Cannot describe {space_id}: {space.error.message}")
        endpoints = []
        for ref in catalog.refs:
            # As tools/list shows it (the tool's JSON form); the answer's own dicts at the top.
            keys = ("name", "title", "description", "inputSchema", "annotations")
            entry = {key: _own(ref.form[key]) for key in keys if key in ref.form}
            endpoints.append({"endpoint": "/" + ref.api_name, **entry})
        meta = space.metadata
        about: dict[str, Any] = {"id": space.id, "private": bool(meta and meta.private)}
        if meta is not None:
            about.update((k, v) for k, v in (("title", meta.title), ("emoji", meta.emoji)) if v)
        if space.schema is not None:
            about["mcp_server"] = space.schema.mcp_server
        return types.CallToolResult(
            content=[types.TextContent(text=describe_text(space, endpoints))],
            structured_content={"space": about, "endpoints": endpoints},
        )

    async def _resolve_call(
        self, given: dict[str, Any], token: str | None
    ) -> types.CallToolResult | tuple[ToolRef, dict[str, Any]]:
        space_id, endpoint = given["space_id"], given["endpoint"]
        space, catalog = await self._space(space_id, token)
        if space.error is not None:
            return error_result(f"Cannot call {space_id}: {space.error.message}")
        wanted = endpoint.strip().lstrip("/")
        ref = next((r for r in catalog.refs if wanted in (r.api_name, r.name)), None)
        if ref is None:
            listed = ", ".join("/" + r.api_name for r in catalog.refs) or "none"
            return error_result(f"{space.id} has no endpoint {endpoint!r}; its endpoints: {listed}")
        return ref, dict(given.get("arguments") or {})


def _own(value: Any) -> Any:
    """A shallow copy of a dict (catalog values are shared), anything else as it is."""
    return dict(value) if isinstance(value, dict) else value
