"""The MCP serving layer: the server and its handlers. The conversions it serves live in
`gradio_mcp.catalog`."""

from gradio_mcp.serving._http_app import build_http_app, create_app
from gradio_mcp.serving._server import GradioMCP
from gradio_mcp.serving._stdio import serve_stdio

__all__ = [
    "GradioMCP",
    "build_http_app",
    "create_app",
    "serve_stdio",
]
