"""The MCP serving layer: the server and its handlers. The conversions it serves live in
`gradio_mcp.catalog`, the ways to reach it in `gradio_mcp.transports`."""

from gradio_mcp.serving._server import GradioMCP

__all__ = ["GradioMCP"]
