"""A host program that uses gradio_mcp as a library: discover a space, list its tools, call one.

The call is three lines of it:

    async with gradio_mcp.GradioMCP(settings) as server:
        result = await server.call("streaming__count_up", {"n": 5}, on_progress=show)
        print(result.content)

It uses only the public API (`import gradio_mcp`). Offline by default: it starts one bundled
Gradio app (a streaming counter) and `LocalHub`, the Hub emulator from the developer tooling
(`gradio_mcp.dev`), where the app is registered as the space `demo/streaming`.

    python examples/host_program.py

With --space it talks to the real Hugging Face Hub instead (network needed; a private space
also needs HF_TOKEN or `hf auth login`). --tool picks the endpoint (default: the first one)
and --args gives its arguments as JSON:

    python examples/host_program.py --space owner/name --tool predict --args '{"text": "hi"}'
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import time
from typing import Any

import huggingface_hub
from mcp import types

import gradio_mcp
from gradio_mcp.dev import GradioAppProcess, LocalHub, bundled_apps

OFFLINE_SPACE = "demo/streaming"
OFFLINE_TOOL = "count_up"
OFFLINE_ARGS = {"n": 5, "delay": 0.05, "prefix": "count: "}


def space_url(space: gradio_mcp.GradioSpace) -> str:
    """Where the space's app answers: the host the Hub reports, else the public pattern."""
    assert space.metadata is not None and space.metadata.url, "only for discovered spaces"
    return space.metadata.url


def describe(spaces: list[gradio_mcp.GradioSpace]) -> gradio_mcp.ToolCatalog:
    """Print every space with its tools (MCP names) and their parameters."""
    catalog = gradio_mcp.build_catalog(spaces)
    for space in spaces:
        if not space.ok:  # a failure stays with its own space; the others still work
            print(f"space {space.id}: unavailable ({space.error})")
            continue
        print(f"space {space.id} at {space_url(space)}")
        for ref in (r for r in catalog.refs if r.space_id == space.id):
            print(f"  endpoint /{ref.api_name}  (MCP tool name {ref.name})")
            for p in ref.endpoint.parameters:
                kind = p.schema.get("type", "any")
                default = f" = {p.default!r}" if p.has_default else " (required)"
                print(f"    - {p.name}: {kind}{default}  {p.description or ''}".rstrip())
    return catalog


async def on_progress(update: gradio_mcp.ProgressUpdate) -> None:
    total = f"/{update.total:g}" if update.total is not None else ""
    print(f"  progress {update.progress:g}{total} {update.message or ''}".rstrip())


def show(block: types.ContentBlock) -> str:
    if isinstance(block, types.TextContent):
        return block.text
    if isinstance(block, types.ResourceLink):
        return f"[file] {block.uri}"
    return f"[{block.type}]"  # images and audio arrive inline as base64


async def run(
    settings: gradio_mcp.Settings, space_id: str, tool: str | None, args: Any, token: str | None
) -> int:
    # A GradioMCP is the server's whole pipeline without MCP around it: discovery and its
    # caches, tool names, argument checks, waking, the call, the result's conversion.
    # `async with` closes its connections at the end.
    settings = dataclasses.replace(settings, spaces=(space_id,))
    async with gradio_mcp.GradioMCP(settings, server_token=token) as server:
        spaces = await server.discovery.get_spaces([space_id], token)
        catalog = describe(spaces)
        refs = [ref for ref in catalog.refs if ref.space_id == spaces[0].id]
        if not refs:
            return 1
        names = [ref.api_name for ref in refs]
        if tool is not None and tool not in names:
            print(f"no endpoint /{tool}; choose one of: {', '.join(names)}")
            return 2
        ref = refs[names.index(tool) if tool else 0]

        # Arguments are checked against the endpoint's input schema before anything is sent,
        # so a mistake costs no request to the space. Show what a mistake looks like:
        try:
            gradio_mcp.check_arguments(ref.endpoint, {"not_a_parameter": 1})
        except gradio_mcp.ToolArgumentError as error:
            print(f"rejected before sending: {error}")

        # The call itself: by tool name, as an MCP client would call it (text, inline
        # images/audio and file links come back, or an error result saying what went wrong).
        print(f"calling {ref.name} with {json.dumps(args)}")
        started = time.perf_counter()
        result = await server.call(ref.name, args, on_progress=on_progress)
        status = "error" if result.is_error else "ok"
        print(f"result ({status}, {(time.perf_counter() - started) * 1000:.0f} ms):")
        for block in result.content:
            print(f"  {show(block)}")
        return 1 if result.is_error else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", help="a real space id, owner/name (uses the real Hub)")
    parser.add_argument("--tool", help="endpoint to call (default: the first)")
    parser.add_argument("--args", default="{}", help="the call's arguments as a JSON object")
    options = parser.parse_args()
    if options.space:
        settings = gradio_mcp.Settings.from_env()  # HF_ENDPOINT, timeouts... as configured
        token = huggingface_hub.get_token()  # HF_TOKEN, or the one `hf auth login` saved
        arguments = json.loads(options.args)
        return asyncio.run(run(settings, options.space, options.tool, arguments, token))

    print("starting the bundled 'streaming' Gradio app and a local Hub (a few seconds)...")
    with GradioAppProcess.start(bundled_apps()["streaming"]) as app, LocalHub() as hub:
        hub.add_space(OFFLINE_SPACE, host=app.url, title="Streaming counter")
        settings = gradio_mcp.Settings(
            hf_endpoint=hub.url,
            # The app is on loopback, not *.hf.space: allow it to receive the (absent) token.
            trusted_hosts=("127.0.0.1:*",),
            # ...and upstream requests may reach loopback, which is otherwise refused.
            allowed_networks=("127.0.0.1/32",),
        )
        return asyncio.run(run(settings, OFFLINE_SPACE, OFFLINE_TOOL, OFFLINE_ARGS, None))


if __name__ == "__main__":
    raise SystemExit(main())
