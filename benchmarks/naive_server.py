"""The "before": a naive MCP server that discovers its spaces on every tools/list, one after
the other, with no cache. The same SDK, transport, documents and parsing as gradio-mcp; only
the orchestration is naive.

    python benchmarks/naive_server.py PORT        (settings from the environment)
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from mcp import types
from mcp.server import Server, ServerRequestContext

from benchmarks.bench_server import resolve
from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.config import Settings
from gradio_mcp.discovery._hub import parse_space_metadata
from gradio_mcp.discovery._schema_parser import parse_space_schema
from gradio_mcp.models import GradioSpace
from gradio_mcp.net import new_http_client
from gradio_mcp.serving._pagination import paginate


def main() -> None:
    settings = Settings.from_env()
    client = new_http_client(settings, resolver=resolve)

    async def discover(space_id: str) -> GradioSpace:
        hub = await client.get(f"{settings.hf_endpoint}/api/spaces/{space_id}", timeout=30)
        metadata = parse_space_metadata(space_id, hub.json())
        info = await client.get(f"{metadata.url}/gradio_api/info", timeout=30)
        return GradioSpace(space_id, metadata, parse_space_schema(info.json()))

    async def list_tools(
        _ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        spaces = [await discover(space_id) for space_id in settings.spaces]
        tools = build_catalog(spaces).tools
        page, next_cursor = paginate(tools, params.cursor if params else None, settings.page_size)
        return types.ListToolsResult(tools=page, next_cursor=next_cursor)

    server: Server[Any] = Server("naive", on_list_tools=list_tools)
    app = server.streamable_http_app(stateless_http=True, json_response=False)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()
