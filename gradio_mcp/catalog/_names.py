"""Tool names: short and readable, unique in a list, and stable for a given endpoint.

A tool is named ``{space}__{api_name}`` (the space's name without its owner, then the endpoint),
with every run of characters outside ``[A-Za-z0-9_-]`` turned into ``_``. That short form is
what a person reads in a client's tool picker, and it leaves room for the prefixes clients put
in front of names (Claude Code's ``mcp__<server>__``) under the 64-character limit of LLM APIs.

Each tool also has a *qualified* name, ``{space}__{api_name}_{hash}``, where the hash is six hex
digits of sha256 over ``owner/space/api_name``, and the parts are truncated so the whole fits
the budget. The qualified name depends only on that one endpoint, so it never changes. It is
listed instead of the short form when the short form would be ambiguous or too long:

* the name is longer than the budget;
* two *requested* space ids share a space name (``alice/flux`` and ``bob/flux``, which is what
  duplicating a space on the Hub produces): then every tool of both spaces is qualified, so
  neither silently takes over the other's names;
* two endpoints still sanitise to the same short name.

The trade-off: a listed short name depends on which space ids are requested (not on which of
them happened to be discovered, so a space that fails never renames another). Adding a second
space with the same name turns the first one's short names into qualified ones. The old short
name then resolves to nothing (a clear "unknown tool"), never to the other space. The
reference server instead numbers tools by their position among the spaces that worked, so one
failing space shifts every later tool to a different name. Every qualified name is accepted by
`ToolCatalog.resolve` at all times, so a host that needs names that never change can pin those
(they are also in each tool's ``_meta``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gradio_mcp.config import Settings

# OpenAI and Windsurf reject tool names over 64 characters; Anthropic used to.
MAX_NAME_LENGTH = 64
# The library's default is the server's (GRADIO_MCP_MAX_NAME_LENGTH, 48: that leaves 16
# characters for a client's own prefix, e.g. Claude Code's "mcp__gradio__").
DEFAULT_NAME_LENGTH = Settings().max_name_length
_MIN_NAME_LENGTH = 20  # below this a qualified name would be little more than its hash
_HASH_CHARS = 6
_LONG_HASH_CHARS = 12  # only for the (astronomically rare) collision of two qualified names
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ToolName:
    """The listed name of one endpoint's tool and its never-changing qualified form."""

    name: str
    qualified_name: str


def sanitize_name(text: str) -> str:
    """Replace every run of characters outside ``[A-Za-z0-9_-]`` with one ``_``."""
    return _UNSAFE_RUN.sub("_", text).strip("_") or "_"


def _space_part(space_id: str) -> str:
    return sanitize_name(space_id.rsplit("/", 1)[-1])


def _api_part(api_name: str) -> str:
    return sanitize_name(api_name.lstrip("/"))


def _check_length(max_length: int) -> None:
    if not _MIN_NAME_LENGTH <= max_length <= MAX_NAME_LENGTH:
        raise ValueError(
            f"tool name length must be between {_MIN_NAME_LENGTH} and {MAX_NAME_LENGTH}, "
            f"got {max_length}"
        )


def qualified_tool_name(
    space_id: str,
    api_name: str,
    *,
    max_length: int = DEFAULT_NAME_LENGTH,
    hash_chars: int = _HASH_CHARS,
) -> str:
    """``{space}__{api}_{hash}``, truncated to fit: a function of this endpoint alone."""
    _check_length(max_length)
    api_name = api_name.lstrip("/")
    digest = hashlib.sha256(f"{space_id}/{api_name}".encode()).hexdigest()[:hash_chars]
    space, api = _space_part(space_id), _api_part(api_name)
    room = max_length - len(digest) - 3  # "__" between the parts, "_" before the hash
    if len(space) + len(api) > room:
        # Keep the start of both parts: the endpoint needs at least half the room to stay
        # recognisable, the space gets whatever the endpoint does not use.
        space = space[: max(room - len(api), room // 2)].rstrip("_-") or "_"
        api = api[: room - len(space)].rstrip("_-") or "_"
    return f"{space}__{api}_{digest}"


def assign_tool_names(
    space_ids: Sequence[str],
    endpoints: Sequence[tuple[str, str]],
    *,
    max_length: int = DEFAULT_NAME_LENGTH,
    style: str = "space",
) -> dict[tuple[str, str], ToolName]:
    """Names for ``(space_id, api_name)`` pairs, given every space id that was requested.

    `space_ids` should include spaces whose discovery failed: a clash of space names is decided
    on what was asked for, so that a failing space never renames the tools of another.
    With `style="endpoint"` the listed name is the bare endpoint name (for a server of one
    space); a name two spaces share falls back to the qualified form, so in that style a
    name can depend on what else is listed.
    """
    _check_length(max_length)
    space_names: dict[str, set[str]] = {}
    for space_id in [*space_ids, *(sid for sid, _ in endpoints)]:
        space_names.setdefault(_space_part(space_id), set()).add(space_id)

    keys = list(dict.fromkeys((sid, api.lstrip("/")) for sid, api in endpoints))
    chosen: dict[tuple[str, str], str] = {}
    for key in keys:
        short = _api_part(key[1])
        if style != "endpoint":
            short = f"{_space_part(key[0])}__{short}"
        if len(space_names[_space_part(key[0])]) > 1 or len(short) > max_length:
            chosen[key] = qualified_tool_name(*key, max_length=max_length)
        else:
            chosen[key] = short

    # Remaining clashes (endpoint names that sanitise alike, or a short name that happens to
    # look like another tool's qualified one): every member of a clash group is qualified,
    # with a longer hash if the usual one is what clashed.
    for hash_chars in (_HASH_CHARS, _LONG_HASH_CHARS):
        clashing = _clashing(chosen)
        for key in clashing:
            chosen[key] = qualified_tool_name(*key, max_length=max_length, hash_chars=hash_chars)
    if _clashing(chosen):  # pragma: no cover - needs a 48-bit sha256 collision
        raise RuntimeError("could not give every tool a unique name")

    return {
        key: ToolName(
            name=chosen[key], qualified_name=qualified_tool_name(*key, max_length=max_length)
        )
        for key in keys
    }


def may_belong_to(name: str, space_id: str, style: str = "space") -> bool:
    """Whether a tool name could be one of the space's tools (its space part, possibly
    truncated, leads the name). With bare endpoint names any space could own it."""
    if style == "endpoint":
        return True
    head, sep, _rest = name.partition("__")
    return bool(sep and head) and _space_part(space_id).startswith(head.rstrip("_-"))


def _clashing(chosen: Mapping[tuple[str, str], str]) -> list[tuple[str, str]]:
    owners: dict[str, list[tuple[str, str]]] = {}
    for key, name in chosen.items():
        owners.setdefault(name, []).append(key)
    return [key for group in owners.values() if len(group) > 1 for key in group]
