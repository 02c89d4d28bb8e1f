"""The MCP serving layer: the server, its HTTP and stdio transports, and the conversions from
discovered endpoints to tools, prompts and results."""

from gradio_mcp.serving._arguments import check_arguments, validate_arguments
from gradio_mcp.serving._catalog import ToolCatalog, build_catalog
from gradio_mcp.serving._http_app import build_http_app, create_app
from gradio_mcp.serving._results import to_call_tool_result
from gradio_mcp.serving._server import GradioMCP
from gradio_mcp.serving._stdio import serve_stdio
from gradio_mcp.serving._tool_ref import ToolRef

__all__ = [
    "GradioMCP",
    "ToolCatalog",
    "ToolRef",
    "build_catalog",
    "build_http_app",
    "check_arguments",
    "create_app",
    "serve_stdio",
    "to_call_tool_result",
    "validate_arguments",
]
