"""A bare MCP SDK server that returns a fixed tool list: the floor for tools/list latency.

python benchmarks/bare_server.py TOOLS_JSON PORT
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from mcp import types
from mcp.server import Server, ServerRequestContext


def main() -> None:
    tools = [types.Tool.model_validate(t) for t in json.loads(Path(sys.argv[1]).read_text())]

    async def list_tools(
        _ctx: ServerRequestContext[Any, Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    server: Server[Any] = Server("bare", on_list_tools=list_tools)
    app = server.streamable_http_app(stateless_http=True, json_response=False)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")


if __name__ == "__main__":
    main()
