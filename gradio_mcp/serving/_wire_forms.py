"""Each listed tool's and prompt's wire form, made once per protocol revision.

The SDK shapes every result for the wire itself: it dumps the handler's models, checks the
dump against the revision's schema and dumps that again. For a listing that is three passes
over every tool on every page, each time a client lists, and it was more than half of a warm
listing's CPU at a thousand spaces. A tool's wire form only changes with the tool, so it is
made once, by the SDK's own serializer (the same checks, the same fields kept per revision),
and kept with the catalog that holds the tool.

A catalog keeps its tools in JSON form already (`tool_form`); where a revision's wire form
of a tool is equal to it, the wire form is that very dict, so a listed tool costs one dict.

How a page goes out: the handler hands its page here and gives the SDK a page without
items, whose envelope (cursor, cache hints, result type, server stamp) the SDK shapes as
always; the middleware then puts the kept forms of the page's items in that envelope.
"""

from __future__ import annotations

import contextvars
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from mcp.server.context import ServerMiddleware, ServerRequestContext
from mcp.types import Prompt, Tool
from mcp.types.methods import serialize_server_result
from pydantic import BaseModel

from gradio_mcp._sharing import shared_json

Context = ServerRequestContext[Any, Any]
Result = TypeVar("Result", bound=BaseModel)
# A listed item: an MCP model, or a tool already in JSON form.
Item = BaseModel | dict[str, Any]

# The list field of each listing method's result.
ITEMS = {"tools/list": "tools", "prompts/list": "prompts"}
_MODELS: dict[str, type[BaseModel]] = {"tools/list": Tool, "prompts/list": Prompt}
# What a listing's envelope must hold in some revision (2026-07-28), for the items alone to be
# checked; a revision without these fields ignores them. The items' forms do not depend on it.
_ENVELOPE = {"ttlMs": 0, "cacheScope": "private", "resultType": "complete"}
_CHUNK = 100
# Revisions whose tools have no title of their own: a client of these reads it from the
# annotations (shared by all tools built alike, so without it), and its forms carry it there.
_TITLE_IN_ANNOTATIONS = frozenset({"2024-11-05", "2025-03-26"})


class WireForms:
    """Wire forms of listed items by protocol revision, kept as long as what holds the items
    (a catalog) lives: one entry per catalog and revision, not per item."""

    def __init__(self) -> None:
        # By the owner's id and the revision; an entry goes when its owner does.
        self._kept: dict[tuple[int, str, str], tuple[weakref.ref[Any], list[dict[str, Any]]]]
        self._kept = {}
        self._page: contextvars.ContextVar[list[list[dict[str, Any]]] | None]
        self._page = contextvars.ContextVar("gradio_mcp_listed_page", default=None)

    def forms(
        self,
        method: str,
        version: str,
        owner: object,
        items: Sequence[Item],
        ahead: FormsAhead | None = None,
    ) -> list[dict[str, Any]]:
        """The wire form of each of `items` in a `method` result at protocol `version`;
        `items` belong to `owner`, which never changes them. `ahead`: forms made already."""
        key = (id(owner), method, version)
        kept = self._kept.get(key)
        if kept is not None and kept[0]() is owner:
            return kept[1]
        early = [None if ahead is None else ahead.take(item) for item in items]
        missing = [item for item, form in zip(items, early, strict=True) if form is None]
        late = iter(_made(method, version, missing))
        forms = [form if form is not None else next(late) for form in early]
        self._kept[key] = (weakref.ref(owner, lambda _ref: self._kept.pop(key, None)), forms)
        return forms

    def deliver(self, method: str, result: Result, forms: list[dict[str, Any]]) -> Result:
        """`result` (a page without items) for the middleware to put `forms`, the page's wire
        forms, in; outside it (no request runs under it), `result` with them as models."""
        slot = self._page.get()
        if slot is not None:
            slot.append(forms)
            return result
        model = _MODELS[method]
        return result.model_copy(update={ITEMS[method]: [model.model_validate(f) for f in forms]})

    def middleware(self) -> ServerMiddleware[Any]:
        """Server middleware: a listing's envelope from the SDK, its items' kept forms."""

        async def middleware(ctx: Context, call_next: Callable[[Context], Awaitable[Any]]) -> Any:
            key = ITEMS.get(ctx.method)
            if key is None:
                return await call_next(ctx)
            slot: list[list[dict[str, Any]]] = []
            token = self._page.set(slot)
            try:
                result = await call_next(ctx)
            finally:
                self._page.reset(token)
            if slot and isinstance(result, dict):
                return {**result, key: slot[0]}
            return result

        return middleware


class FormsAhead:
    """Wire forms made while a cold listing waits for its last spaces, as each space's tools
    are built (`ToolsAhead(on_built=...)`), for `WireForms.forms` to take."""

    def __init__(self, method: str, version: str) -> None:
        self.method = method
        self.version = version
        self._made: dict[int, tuple[Item, dict[str, Any]]] = {}

    def add(self, items: Sequence[Item]) -> None:
        for item, form in zip(items, _made(self.method, self.version, items), strict=True):
            self._made[id(item)] = (item, form)

    def take(self, item: Item) -> dict[str, Any] | None:
        made = self._made.get(id(item))
        return made[1] if made is not None and made[0] is item else None


def _made(method: str, version: str, items: Sequence[Item]) -> list[dict[str, Any]]:
    """The items' wire forms, made by the SDK's serializer as it shapes a whole result, a
    hundred at a time: the serializer's copies of thousands at once would be megabytes. An
    item in JSON form whose wire form is equal is its own wire form."""
    key = ITEMS[method]
    forms: list[dict[str, Any]] = []
    for start in range(0, len(items), _CHUNK):
        chunk = items[start : start + _CHUNK]
        dumps = [
            item
            if isinstance(item, dict)
            else item.model_dump(by_alias=True, mode="json", exclude_none=True)
            for item in chunk
        ]
        wire = serialize_server_result(method, version, {**_ENVELOPE, key: dumps})[key]
        forms += (
            dump if form == dump else _sharing_with(dump, form)
            for dump, form in zip(dumps, wire, strict=True)
        )
    if version in _TITLE_IN_ANNOTATIONS:
        forms = [_title_in_annotations(form) for form in forms]
    return forms


def _sharing_with(dump: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    """`form` holding the dump's own values where equal, not copies of them, and a shared
    copy of small parts many items have alike (annotations, execution)."""
    for key, value in form.items():
        if key in dump and dump[key] == value:
            form[key] = dump[key]
        elif isinstance(value, dict):
            form[key] = shared_json(value)
    return form


def _title_in_annotations(form: dict[str, Any]) -> dict[str, Any]:
    """`form`, or a copy with the tool's title in its annotations (never changed in place:
    the form may be a catalog's)."""
    title = form.get("title")
    annotations = form.get("annotations")
    if isinstance(title, str) and isinstance(annotations, dict) and "title" not in annotations:
        return {**form, "annotations": {**annotations, "title": title}}
    return form
