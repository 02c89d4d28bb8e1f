"""Where the package's log events go: console lines or JSON on stderr (`configure_logging`).

Loggers themselves live in `gradio_mcp._log`, so every layer can log without importing
operations code; this module is for the application that decides how lines look.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from gradio_mcp._log import SHARED_PROCESSORS


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
            foreign_pre_chain=SHARED_PROCESSORS,
        )
    )
    root = logging.getLogger("gradio_mcp")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
