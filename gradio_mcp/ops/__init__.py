"""Operations: counters and their JSON, Prometheus and dashboard renderings; log output."""

from gradio_mcp.ops._logs import configure_logging
from gradio_mcp.ops._metrics import Metrics
from gradio_mcp.ops._prometheus import render_prometheus
from gradio_mcp.ops._routes import metrics_routes

__all__ = ["Metrics", "configure_logging", "metrics_routes", "render_prometheus"]
