"""The package's loggers: structlog key-value events handed to the standard `logging` module.

The library only emits events; where they go is decided by the application (the CLI calls
`gradio_mcp.ops._logs.configure_logging`). A library user sees nothing below WARNING unless
they configure logging themselves.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog

# Processors every event passes through, whether it comes from our loggers or (for JSON
# output) from foreign stdlib loggers: level, logger name and an ISO timestamp.
SHARED_PROCESSORS: list[Any] = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def get_logger(name: str) -> Any:
    """A structlog logger that hands its events to `logging.getLogger(name)`."""
    return structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
    )
