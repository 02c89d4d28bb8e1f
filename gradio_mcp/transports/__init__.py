"""The transports: how the MCP server is reached. The HTTP app (streamable HTTP at `/mcp`,
Host and Origin checks, sign-in, the ops routes), stdio, and `serve --workers N`. The only
part of the serving side that knows starlette and uvicorn."""

from gradio_mcp.transports._http_app import build_http_app, create_app
from gradio_mcp.transports._registry_entry import registry_entry
from gradio_mcp.transports._stdio import serve_stdio
from gradio_mcp.transports._workers import run_server, run_workers, server_options

__all__ = [
    "build_http_app",
    "create_app",
    "registry_entry",
    "run_server",
    "run_workers",
    "serve_stdio",
    "server_options",
]
