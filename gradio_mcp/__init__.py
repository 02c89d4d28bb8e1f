"""gradio_mcp: Hugging Face Gradio Spaces as MCP tools, with cached parallel discovery."""

from gradio_mcp.config import ConfigError, Settings
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
    "ConfigError",
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
]
