"""Where the package's log events go: console lines or JSON on stderr (`configure_logging`).

Loggers themselves live in `gradio_mcp._log`, so every layer can log without importing
operations code; this module is for the application that decides how lines look.

The lines of the libraries the server runs on (uvicorn, the MCP SDK, the HTTP client...) go
through the same formatter, through the root logger: with JSON chosen, every line on stderr
is one JSON object, whoever wrote it.
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
    handler = _Handler(sys.stderr)
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
    ours = logging.getLogger("gradio_mcp")
    ours.handlers[:] = [handler]
    ours.setLevel(level.upper())
    ours.propagate = False
    # Everybody else's lines: through the same formatter on the root logger (warnings and
    # up, as is the root's default). Other handlers there (a test's capture) stay.
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    for name in SERVER_LOGGERS:
        # uvicorn's own handlers (when it configured them) would print plain text lines.
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    # uvicorn's startup and shutdown lines at the level asked for (access lines stay off).
    logging.getLogger("uvicorn.error").setLevel(level.upper())
    # Python's warnings would otherwise be printed as they are, in the middle of JSON lines.
    logging.captureWarnings(True)


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that configuring again replaces it rather than adding a second one."""


# Loggers the HTTP server sets up with handlers of its own.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
