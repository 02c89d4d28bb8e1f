"""Developer tooling: the Hub emulator, the Gradio app launcher, and the offline demo.

For tests, benchmarks, examples and `gradio-mcp demo`. The production layers never import
this package, so a server that only serves real spaces never loads it.
"""

from gradio_mcp.dev._demo import run_demo
from gradio_mcp.dev.hub_emulator import HubSpace, LocalHub
from gradio_mcp.dev.launcher import (
    GradioAppProcess,
    bundled_apps,
    free_port,
    start_apps,
    stop_apps,
)

__all__ = [
    "GradioAppProcess",
    "HubSpace",
    "LocalHub",
    "bundled_apps",
    "free_port",
    "run_demo",
    "start_apps",
    "stop_apps",
]
