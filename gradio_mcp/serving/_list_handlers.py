"""tools/list, prompts/list and prompts/get: a page of the caller's catalog.

The catalog comes from `Catalogs` (kept while fresh), so a listing costs its page whatever
the number of spaces; a listing may wake the sleeping spaces in it (`wake_on_list`), and
`?dynamic` puts the three on-demand tools first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mcp import types
from mcp.shared.exceptions import MCPError

from gradio_mcp.catalog import render_prompt
from gradio_mcp.config import Settings
from gradio_mcp.discovery import ASLEEP_STAGES
from gradio_mcp.errors import UnknownNameError
from gradio_mcp.models import GradioSpace
from gradio_mcp.serving._cache_hints import Hint, listing_hint
from gradio_mcp.serving._caller import Caller
from gradio_mcp.serving._catalogs import Catalogs
from gradio_mcp.serving._dynamic import NAMES as DYNAMIC_TOOLS
from gradio_mcp.serving._dynamic import DynamicSpaces
from gradio_mcp.serving._options import RequestOptions
from gradio_mcp.serving._pagination import paginate
from gradio_mcp.serving._resolver import not_running
from gradio_mcp.serving._wire_forms import FormsAhead, WireForms

Params = types.PaginatedRequestParams | None


class ListHandlers:
    """The list and prompt handlers, over the server's catalogs."""

    def __init__(self, settings: Settings, catalogs: Catalogs, dynamic: DynamicSpaces) -> None:
        self.settings = settings
        self.catalogs = catalogs
        self.dynamic = dynamic
        self.wire = WireForms()

    async def list_tools(
        self, caller: Caller, options: RequestOptions, params: Params, version: str
    ) -> types.ListToolsResult:
        ahead = FormsAhead("tools/list", version)  # made as each space's tools are built
        spaces, catalog = await self.catalogs.listing(
            caller.space_ids, caller.token, on_built=ahead.add
        )
        if self.settings.wake_on_list:
            discovery = self.catalogs.discovery
            for space in not_running(spaces):
                if space.error is not None and space.error.stage in ASLEEP_STAGES:
                    discovery.wake_in_background(space.id, caller.token)
        forms = self.wire.forms("tools/list", version, catalog, catalog.forms, ahead)
        if options.dynamic:
            # The three on-demand tools come first; a space's endpoint of the same name stays
            # reachable through call_space.
            dynamic = self.wire.forms("tools/list", version, self.dynamic, self.dynamic.tools)
            forms = [*dynamic, *(f for f in forms if f["name"] not in DYNAMIC_TOOLS)]
        page, next_cursor = self._page(forms, params)
        self.catalogs.remember_listed(page)
        hint = self._hint(caller, spaces)
        result = types.ListToolsResult(
            tools=[], next_cursor=next_cursor, ttl_ms=hint.ttl_ms, cache_scope=hint.scope
        )
        return self.wire.deliver("tools/list", result, page)

    async def list_prompts(
        self, caller: Caller, params: Params, version: str
    ) -> types.ListPromptsResult:
        spaces, catalog = await self.catalogs.listing(caller.space_ids, caller.token)
        forms = self.wire.forms("prompts/list", version, catalog, catalog.prompts)
        page, next_cursor = self._page(forms, params)
        hint = self._hint(caller, spaces)
        result = types.ListPromptsResult(
            prompts=[], next_cursor=next_cursor, ttl_ms=hint.ttl_ms, cache_scope=hint.scope
        )
        return self.wire.deliver("prompts/list", result, page)

    def _hint(self, caller: Caller, spaces: Sequence[GradioSpace]) -> Hint:
        """`ttl_ms` and `cache_scope` of a listing page built from `spaces` (every page)."""
        return listing_hint(
            spaces,
            self.catalogs.fresh_until(caller.space_ids, caller.token),
            self.catalogs.discovery.clock(),
            sign_in_required=self.settings.require_auth,
            horizon_ms=self.settings.space_cache_ttl_ms,
        )

    async def get_prompt(
        self, caller: Caller, params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        _, catalog = await self.catalogs.listing(caller.space_ids, caller.token)
        try:
            return render_prompt(catalog.resolve_prompt(params.name), params.arguments)
        except UnknownNameError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None

    def _page(self, items: Sequence[Any], params: Params) -> Any:
        try:
            return paginate(items, params.cursor if params else None, self.settings.page_size)
        except ValueError as exc:
            raise MCPError(types.INVALID_PARAMS, str(exc)) from None
