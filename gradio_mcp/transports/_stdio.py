"""MCP over stdin/stdout, for desktop hosts that start servers as subprocesses."""

from __future__ import annotations

import dataclasses

import huggingface_hub
from mcp.server.stdio import stdio_server

from gradio_mcp.config import Settings
from gradio_mcp.serving import GradioMCP


async def serve_stdio(settings: Settings | None = None) -> None:
    """Serve one host over stdin/stdout until it closes them."""
    # A desktop host starts this process for its own user: that user's token is theirs to use.
    settings = dataclasses.replace(settings or Settings.from_env(), lend_server_token=True)
    gradio = GradioMCP(settings, server_token=huggingface_hub.get_token())
    try:
        async with stdio_server() as (read, write):
            await gradio.server.run(read, write, gradio.server.create_initialization_options())
    finally:
        await gradio.aclose()
