"""Module-level shortcuts over one process-wide `Discovery`, in the reference server's names:
`get_gradio_spaces`, `get_gradio_space`, `get_cache_stats`, `format_cache_metrics`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gradio_mcp.discovery._engine import Discovery
from gradio_mcp.models import GradioSpace

_default: Discovery | None = None


def default_discovery() -> Discovery:
    """The process-wide Discovery behind the module-level functions."""
    global _default
    if _default is None:
        _default = Discovery()
    return _default


async def get_gradio_spaces(
    space_ids: Iterable[str],
    token: str | None = None,
    *,
    skip_schemas: bool = False,
    include_runtime: bool = False,
) -> list[GradioSpace]:
    """Discover spaces with the default Discovery; one result per id, in input order."""
    discovery = default_discovery()
    discovery.bind_to_running_loop()
    return await discovery.get_spaces(
        space_ids, token, skip_schemas=skip_schemas, include_runtime=include_runtime
    )


async def get_gradio_space(space_id: str, token: str | None = None) -> GradioSpace:
    """Discover one space with the default Discovery."""
    (result,) = await get_gradio_spaces([space_id], token)
    return result


def get_cache_stats() -> dict[str, Any]:
    """Raw cache counters of the default Discovery."""
    return default_discovery().cache_stats()


def format_cache_metrics() -> dict[str, Any]:
    """The default Discovery's cache figures in the reference `gradioCacheMetrics` shape."""
    return default_discovery().format_cache_metrics()
