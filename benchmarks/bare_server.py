"""A bare MCP SDK server that returns a fixed tool list from memory: the floor for tools/list.

It pages the list exactly as gradio-mcp does (same page size, same cursors), so that a
complete listing costs both servers the same number of requests.

    python benchmarks/bare_server.py TOOLS_JSON PORT [PAGE_SIZE]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from mcp import types
from mcp.server import Server, ServerRequestContext

from gradio_mcp.config import Settings
from gradio_mcp.serving._pagination import paginate


def main() -> None:
    tools = [types.Tool.model_validate(t) for t in json.loads(Path(sys.argv[1]).read_text())]
    page_size = int(sys.argv[3]) if len(sys.argv) > 3 else Settings().page_size

    async def list_tools(
        _ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        page, next_cursor = paginate(tools, params.cursor if params else None, page_size)
        return types.ListToolsResult(tools=page, next_cursor=next_cursor)

    server: Server[Any] = Server("bare", on_list_tools=list_tools)
    app = server.streamable_http_app(stateless_http=True, json_response=False)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")


if __name__ == "__main__":
    main()
