"""Developer tooling: the Hub emulator, the Gradio app launcher, and the offline demo.

For tests, benchmarks, examples and `gradio-mcp demo`. The production layers never import
this package, so a server that only serves real spaces never loads it.

Names load on first use, so `python -m gradio_mcp.dev.hub_emulator` runs the module once,
as `__main__`, rather than after importing it a first time through this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gradio_mcp.dev._demo import run_demo
    from gradio_mcp.dev.hub_emulator import HubSpace, LocalHub
    from gradio_mcp.dev.launcher import (
        GradioAppProcess,
        bundled_apps,
        free_port,
        start_apps,
        stop_apps,
    )

_HOMES = {
    "run_demo": "gradio_mcp.dev._demo",
    "HubSpace": "gradio_mcp.dev.hub_emulator",
    "LocalHub": "gradio_mcp.dev.hub_emulator",
    "GradioAppProcess": "gradio_mcp.dev.launcher",
    "bundled_apps": "gradio_mcp.dev.launcher",
    "free_port": "gradio_mcp.dev.launcher",
    "start_apps": "gradio_mcp.dev.launcher",
    "stop_apps": "gradio_mcp.dev.launcher",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
