"""Structured logging: key-value events through the standard `logging` module.

The library only emits events; an application decides where they go. Routing structlog
through stdlib logging means a library user sees nothing below WARNING unless they ask,
while `configure_logging` (used by the CLI) renders them as console lines or JSON.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

_SHARED: list[Any] = [
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
            *_SHARED,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
    )


def configure_logging(level: str = "info", fmt: str = "console") -> None:
    """Send the package's events to stderr as console lines (`console`) or JSON (`json`)."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        # Plain tracebacks: rich's default shows each frame's locals, tokens included.
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # JSON lines carry the traceback as text (frames only, never their locals).
                *([structlog.processors.format_exc_info] if fmt == "json" else []),
                renderer,
            ],
            foreign_pre_chain=_SHARED,
        )
    )
    root = logging.getLogger("gradio_mcp")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
