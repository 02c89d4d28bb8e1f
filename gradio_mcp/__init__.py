"""gradio_mcp: Hugging Face Gradio Spaces as MCP tools, with cached parallel discovery.

Everything a host program needs is importable from here: discover spaces (`Discovery`,
`get_gradio_spaces`), check arguments and call an endpoint with progress (`check_arguments`,
`call_endpoint` on a `SpaceApi`, within `CallLimits`), turn the outcome into MCP content
(`to_call_tool_result`), or serve MCP (`GradioMCP`, `create_app`). Upstream requests go through
`new_http_client`, which refuses internal addresses (`EgressRefusedError`) unless the settings
allow them. Names from the heavier layers are imported on first use, so `import gradio_mcp`
stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gradio_mcp._version import __version__
from gradio_mcp.config import Settings
from gradio_mcp.errors import (
    ConfigError,
    ErrorKind,
    ErrorPhase,
    GradioMCPError,
    SpaceError,
    ToolArgumentError,
    UnknownNameError,
)
from gradio_mcp.models import (
    Endpoint,
    GradioSpace,
    Parameter,
    Return,
    SpaceMetadata,
    SpaceSchema,
    Timings,
)

if TYPE_CHECKING:
    from gradio_mcp.catalog import (
        ToolCatalog,
        ToolRef,
        build_catalog,
        check_arguments,
        to_call_tool_result,
        validate_arguments,
    )
    from gradio_mcp.discovery import (
        CacheStats,
        Discovery,
        format_cache_metrics,
        get_cache_stats,
        get_gradio_space,
        get_gradio_spaces,
    )
    from gradio_mcp.gradio import (
        CallError,
        CallLimits,
        CallOutcome,
        FileRef,
        OutputValue,
        ProgressUpdate,
        SpaceApi,
        call_endpoint,
    )
    from gradio_mcp.net import EgressRefusedError, new_http_client
    from gradio_mcp.serving import GradioMCP
    from gradio_mcp.transports import create_app

# Public names that live in a layer with heavier imports, and the subpackage of each.
_LAZY = {
    "CacheStats": "discovery",
    "Discovery": "discovery",
    "format_cache_metrics": "discovery",
    "get_cache_stats": "discovery",
    "get_gradio_space": "discovery",
    "get_gradio_spaces": "discovery",
    "CallError": "gradio",
    "CallLimits": "gradio",
    "CallOutcome": "gradio",
    "FileRef": "gradio",
    "OutputValue": "gradio",
    "ProgressUpdate": "gradio",
    "SpaceApi": "gradio",
    "call_endpoint": "gradio",
    "EgressRefusedError": "net",
    "new_http_client": "net",
    "GradioMCP": "serving",
    "ToolCatalog": "catalog",
    "ToolRef": "catalog",
    "build_catalog": "catalog",
    "check_arguments": "catalog",
    "create_app": "transports",
    "to_call_tool_result": "catalog",
    "validate_arguments": "catalog",
}


def __getattr__(name: str) -> Any:
    layer = _LAZY.get(name)
    if layer is None:
        raise AttributeError(f"module 'gradio_mcp' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gradio_mcp.{layer}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CacheStats",
    "CallError",
    "CallLimits",
    "CallOutcome",
    "ConfigError",
    "Discovery",
    "EgressRefusedError",
    "Endpoint",
    "ErrorKind",
    "ErrorPhase",
    "FileRef",
    "GradioMCP",
    "GradioMCPError",
    "GradioSpace",
    "OutputValue",
    "Parameter",
    "ProgressUpdate",
    "Return",
    "Settings",
    "SpaceApi",
    "SpaceError",
    "SpaceMetadata",
    "SpaceSchema",
    "Timings",
    "ToolArgumentError",
    "ToolCatalog",
    "ToolRef",
    "UnknownNameError",
    "__version__",
    "build_catalog",
    "call_endpoint",
    "check_arguments",
    "create_app",
    "format_cache_metrics",
    "get_cache_stats",
    "get_gradio_space",
    "get_gradio_spaces",
    "new_http_client",
    "to_call_tool_result",
    "validate_arguments",
]
