"""The MCP Registry entry (`server.json`, schema 2025-12-11): the PyPI package run over stdio,
and the deployment's streamable HTTP endpoint as a remote.

`gradio-mcp server-json` prints it for one deployment (`--url`, else
`GRADIO_MCP_PUBLIC_URL`); without either, the remote is a template whose `{host}` the user
fills in. The repository's own `server.json` is that template, checked against the registry's
schema by the tests. The name is `GRADIO_MCP_SERVER_NAME`, the same as the server card's.
"""

from __future__ import annotations

from typing import Any

from gradio_mcp._version import __version__
from gradio_mcp.config import Settings
from gradio_mcp.transports._server_card import DESCRIPTION, TITLE, authorization_header
from gradio_mcp.transports._sign_in import MCP_PATH

REGISTRY_SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
PACKAGE = "gradio-mcp"
HOST_TEMPLATE = "https://{host}"


def _package(settings: Settings) -> dict[str, Any]:
    """`uvx gradio-mcp stdio`, with the spaces and the token in its environment."""
    return {
        "registryType": "pypi",
        "identifier": PACKAGE,
        "version": __version__,
        "runtimeHint": "uvx",
        "transport": {"type": "stdio"},
        "packageArguments": [{"type": "positional", "value": "stdio"}],
        "environmentVariables": [
            {
                "name": "GRADIO_MCP_SPACES",
                "description": "Comma list of the Gradio spaces to serve (owner/name)",
                "isRequired": True,
                "format": "string",
                "placeholder": "owner/space,owner/other-space",
            },
            {
                "name": "HF_TOKEN",
                "description": "Hugging Face token: private spaces, ZeroGPU quota",
                "isRequired": False,
                "isSecret": True,
                "format": "string",
            },
        ],
    }


def _remote(settings: Settings, origin: str | None) -> dict[str, Any]:
    remote: dict[str, Any] = {
        "type": "streamable-http",
        "url": (origin or HOST_TEMPLATE) + MCP_PATH,
        "headers": [authorization_header(settings)],
    }
    if origin is None:
        remote["variables"] = {
            "host": {
                "description": "Where the deployment is reached (host and optional port)",
                "isRequired": True,
                "placeholder": "mcp.example.com",
            }
        }
    return remote


def registry_entry(settings: Settings, origin: str | None = None) -> dict[str, Any]:
    """The `server.json` of a deployment reached at `origin` (no path), else the template."""
    origin = (origin or settings.public_url or "").rstrip("/") or None
    return {
        "$schema": REGISTRY_SCHEMA,
        "name": settings.server_name,
        "title": TITLE,
        "description": DESCRIPTION,
        "version": __version__,
        "packages": [_package(settings)],
        "remotes": [_remote(settings, origin)],
    }
