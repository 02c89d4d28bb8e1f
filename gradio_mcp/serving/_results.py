"""A call's outcome as MCP content: text and JSON, images and audio inline, files as links.

A space names its output URLs itself, so only files on the space's own origin are ever
downloaded (with the caller's credentials, which that origin may see); a URL anywhere else
stays a link and is never fetched. Downloads share one deadline, inside the call's own
limit: a file that trickles in slowly becomes a link instead of holding the call open.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from typing import Any

import httpx2
from mcp import types

from gradio_mcp.gradio._downloads import download_file, origin_of
from gradio_mcp.gradio._outputs import CallOutcome, FileRef, OutputValue

DEFAULT_INLINE_LIMIT = 2 * 1024 * 1024


def _file_json(ref: FileRef) -> dict[str, Any]:
    return {"url": ref.url, "name": ref.orig_name, "mime_type": ref.mime_type}


def _jsonable(out: OutputValue) -> Any:
    if out.file is not None:
        return _file_json(out.file)
    if out.files:
        return [_file_json(f) for f in out.files]
    return out.value


async def _file_content(
    ref: FileRef,
    client: httpx2.AsyncClient,
    headers: Mapping[str, str] | None,
    limit: int,
    origin: tuple[str, str, int | None] | None,
    deadline: float | None,
) -> list[types.ContentBlock]:
    link = types.ResourceLink(
        uri=ref.url, name=ref.orig_name or "file", mime_type=ref.mime_type, size=ref.size
    )
    mime = ref.mime_type or ""
    if not mime.startswith(("image/", "audio/")) or (ref.size is not None and ref.size > limit):
        return [link]
    if origin is None or origin_of(ref.url) != origin:
        return [link]
    loop = asyncio.get_running_loop()
    if deadline is not None and loop.time() >= deadline:
        return [link]
    try:
        async with asyncio.timeout_at(deadline):
            content = await download_file(client, ref.url, headers, limit)
    except TimeoutError:
        content = None
    if content is None:
        return [link]
    data = base64.b64encode(content).decode("ascii")
    block: types.ContentBlock
    if mime.startswith("image/"):
        block = types.ImageContent(data=data, mime_type=mime)
    else:
        block = types.AudioContent(data=data, mime_type=mime)
    # Keep the link too: it is what another tool can take as a file input.
    return [block, link]


async def to_call_tool_result(
    outcome: CallOutcome,
    *,
    client: httpx2.AsyncClient,
    headers: Mapping[str, str] | None = None,
    inline_limit_bytes: int = DEFAULT_INLINE_LIMIT,
    space_url: str | None = None,
    download_timeout: float | None = None,
) -> types.CallToolResult:
    """MCP content for a call: text/JSON as text, images and audio inline, files as links.

    Only images and audio on the origin of `space_url` are downloaded and inlined, with
    `headers` (the caller's credentials); without `space_url` nothing is downloaded. All
    downloads together take at most `download_timeout` seconds; files not fetched by then
    stay links.
    """
    origin = origin_of(space_url) if space_url else None
    loop = asyncio.get_running_loop()
    deadline = None if download_timeout is None else loop.time() + download_timeout
    if outcome.error is not None:
        return types.CallToolResult(
            content=[types.TextContent(text=str(outcome.error))], is_error=True
        )
    content: list[types.ContentBlock] = []
    structured: dict[str, Any] = {}
    for i, out in enumerate(outcome.outputs):
        if out.file is not None:
            content.extend(
                await _file_content(out.file, client, headers, inline_limit_bytes, origin, deadline)
            )
        elif out.files:
            for ref in out.files:
                content.extend(
                    await _file_content(ref, client, headers, inline_limit_bytes, origin, deadline)
                )
        else:
            value = out.value
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            content.append(types.TextContent(text=text))
        key = (out.returns.label if out.returns else None) or f"output_{i}"
        if key in structured:
            key = f"{key}_{i}"
        structured[key] = _jsonable(out)
    if len(outcome.outputs) == 1:
        structured = {"result": next(iter(structured.values()))}
    return types.CallToolResult(content=content, structured_content=structured, is_error=False)
