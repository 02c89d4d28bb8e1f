"""A host program that uses gradio_mcp as a library: discover a space, list its tools, call one.

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
import json
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


def describe(spaces: list[gradio_mcp.GradioSpace]) -> None:
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
    # Discovery owns one HTTP client and the caches; `async with` closes them at the end.
    async with gradio_mcp.Discovery(settings) as discovery:
        spaces = await discovery.get_spaces([space_id], token)
        describe(spaces)
        space = spaces[0]
        if not space.ok or not space.endpoints:
            return 1
        names = [e.api_name for e in space.endpoints]
        if tool is not None and tool not in names:
            print(f"no endpoint /{tool}; choose one of: {', '.join(names)}")
            return 2
        endpoint = space.endpoints[names.index(tool) if tool else 0]

        # Arguments are checked against the endpoint's input schema before anything is sent,
        # so a mistake costs no request to the space. Show what a mistake looks like:
        try:
            gradio_mcp.check_arguments(endpoint, {"not_a_parameter": 1})
        except gradio_mcp.ToolArgumentError as error:
            print(f"rejected before sending: {error}")
        try:
            gradio_mcp.check_arguments(endpoint, args)
        except gradio_mcp.ToolArgumentError as error:
            print(f"cannot call /{endpoint.api_name}: {error}")
            return 2

        url = space_url(space)
        # The token goes only to hosts that belong to the space (or the operator trusts).
        headers = discovery.space_headers(url, token)
        print(f"calling /{endpoint.api_name} with {json.dumps(args)}")
        outcome = await gradio_mcp.call_endpoint(
            discovery.client,
            url,
            endpoint,
            args,
            headers=headers,
            on_progress=on_progress,
            api_prefix=space.schema.api_prefix if space.schema else "/gradio_api",  # "" on 4.x
        )
        # The same conversion the MCP server uses: text, inline images/audio, file links.
        result = await gradio_mcp.to_call_tool_result(
            outcome, client=discovery.client, headers=headers, space_url=url
        )
        status = "error" if result.is_error else "ok"
        print(f"result ({status}, {outcome.duration_ms:.0f} ms):")
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
