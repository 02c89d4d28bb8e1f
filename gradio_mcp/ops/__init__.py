"""Operations: counters and their JSON, Prometheus and dashboard renderings; readiness; log
output."""

from gradio_mcp.ops._health import ReadinessCheck, readiness, readiness_route, redis_check
from gradio_mcp.ops._logs import configure_logging
from gradio_mcp.ops._metrics import Metrics
from gradio_mcp.ops._prometheus import render_prometheus
from gradio_mcp.ops._routes import metrics_routes

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
