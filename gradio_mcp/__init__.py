"""gradio_mcp: Hugging Face Gradio Spaces as MCP tools, with cached parallel discovery."""

from gradio_mcp.cache import CacheStats
from gradio_mcp.config import ConfigError, Settings
from gradio_mcp.discovery import (
    Discovery,
    format_cache_metrics,
    get_cache_stats,
    get_gradio_space,
    get_gradio_spaces,
)
from gradio_mcp.models import (
    Endpoint,
    ErrorKind,
    GradioSpace,
    Parameter,
    Return,
    SpaceError,
    SpaceMetadata,
    SpaceSchema,
)

__version__ = "0.1.0"

__all__ = [
    "CacheStats",
    "ConfigError",
    "Discovery",
    "Endpoint",
    "ErrorKind",
    "GradioSpace",
    "Parameter",
    "Return",
    "Settings",
    "SpaceError",
    "SpaceMetadata",
    "SpaceSchema",
    "__version__",
    "format_cache_metrics",
    "get_cache_stats",
    "get_gradio_space",
    "get_gradio_spaces",
]
