"""The catalog: what the MCP side makes of a discovered space, without serving it.

Pure conversions: endpoints to tools and prompts (names, input and output schemas,
annotations), a tool name to what it stands for (`ToolRef`, with its argument checker), and
a call's outcome to MCP content (`to_call_tool_result`, `conform`, `without_images`). A host
program can use these without running a server.
"""

from gradio_mcp.catalog._arguments import ArgumentChecker, check_arguments, validate_arguments
from gradio_mcp.catalog._catalog import ToolCatalog, ToolsAhead, build_catalog
from gradio_mcp.catalog._display import show_value
from gradio_mcp.catalog._hints import ToolHints
from gradio_mcp.catalog._names import may_belong_to
from gradio_mcp.catalog._no_images import without_images
from gradio_mcp.catalog._prompts import render_prompt
from gradio_mcp.catalog._results import conform, error_result, to_call_tool_result
from gradio_mcp.catalog._tool_ref import ToolRef

__all__ = [
    "ArgumentChecker",
    "ToolCatalog",
    "ToolHints",
    "ToolRef",
    "ToolsAhead",
    "build_catalog",
    "check_arguments",
    "conform",
    "error_result",
    "may_belong_to",
    "render_prompt",
    "show_value",
    "to_call_tool_result",
    "validate_arguments",
    "without_images",
]
