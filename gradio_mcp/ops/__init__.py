"""Operations: counters and their JSON, Prometheus and dashboard renderings; readiness; log
output.

The routes (readiness, metrics pages) load the web stack, so they are imported on first use:
`from gradio_mcp.ops import configure_logging` stays light for the CLI."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gradio_mcp.ops._logs import configure_logging
from gradio_mcp.ops._metrics import Metrics
from gradio_mcp.ops._prometheus import render_prometheus

if TYPE_CHECKING:
    from gradio_mcp.ops._health import ReadinessCheck, readiness, readiness_route, redis_check
    from gradio_mcp.ops._routes import metrics_routes

# Names whose modules import starlette, and the module of each.
_WEB = {
    "ReadinessCheck": "_health",
    "readiness": "_health",
    "readiness_route": "_health",
    "redis_check": "_health",
    "metrics_routes": "_routes",
}


def __getattr__(name: str) -> Any:
    module = _WEB.get(name)
    if module is None:
        raise AttributeError(f"module 'gradio_mcp.ops' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"gradio_mcp.ops.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Metrics",
    "ReadinessCheck",
    "configure_logging",
    "metrics_routes",
    "readiness",
    "readiness_route",
    "redis_check",
    "render_prometheus",
]
