"""The discovery core: space ids, Hub metadata, endpoint schemas, and the caches in front."""

from gradio_mcp.discovery._cache import KEPT_OUTCOMES, CacheStats
from gradio_mcp.discovery._default import (
    format_cache_metrics,
    get_cache_stats,
    get_gradio_space,
    get_gradio_spaces,
)
from gradio_mcp.discovery._engine import Discovery
from gradio_mcp.discovery._json_schema import json_type
from gradio_mcp.discovery._schema_files import files_as_urls, is_file_url_schema
from gradio_mcp.discovery._search import (
    MAX_CURSOR_CHARS,
    MAX_QUERY_CHARS,
    SORTS,
    SearchPage,
    SpaceQuery,
    SpaceSearch,
    SpaceSummary,
)
from gradio_mcp.discovery._space_ids import parse_space_list, predict_subdomain
from gradio_mcp.discovery._tokens import HubTokens, TokenVerdict
from gradio_mcp.discovery._wake import ASLEEP_STAGES, can_wake, cannot_wake

__all__ = [
    "ASLEEP_STAGES",
    "KEPT_OUTCOMES",
    "MAX_CURSOR_CHARS",
    "MAX_QUERY_CHARS",
    "SORTS",
    "CacheStats",
    "Discovery",
    "HubTokens",
    "SearchPage",
    "SpaceQuery",
    "SpaceSearch",
    "SpaceSummary",
    "TokenVerdict",
    "can_wake",
    "cannot_wake",
    "files_as_urls",
    "format_cache_metrics",
    "get_cache_stats",
    "get_gradio_space",
    "get_gradio_spaces",
    "is_file_url_schema",
    "json_type",
    "parse_space_list",
    "predict_subdomain",
]
