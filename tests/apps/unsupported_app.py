"""A stand-in for a space gradio_mcp cannot call: it serves the documents of a Gradio app
whose `/config` names another version or queue protocol, and nothing else.

UNSUPPORTED_APP_VERSION=2.9.4 serves a Gradio 2 `/config` and no `/info` (Gradio 2 has none);
with UNSUPPORTED_APP_PROTOCOL=sse_v9 too, a captured Gradio 6.31 app whose `/config` names
that protocol. Run with ``python unsupported_app.py --port 7890``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gradio-6.31"


def build(version: str, protocol: str | None) -> Starlette:
    documents: dict[str, Any] = {}
    if protocol is None:
        documents["/config"] = {"version": version, "mode": "interface", "components": []}
    else:
        config = json.loads((FIXTURES / "blocks_config.json").read_text())
        documents["/config"] = {**config, "version": version, "protocol": protocol}
        info = json.loads((FIXTURES / "blocks_gradio_api_info.json").read_text())
        documents["/gradio_api/info"] = info

    async def document(request: Request) -> JSONResponse:
        return JSONResponse(documents[request.url.path])

    return Starlette(routes=[Route(path, document) for path in documents])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7890)
    args = parser.parse_args()
    version = os.environ.get("UNSUPPORTED_APP_VERSION", "2.9.4")
    app = build(version, os.environ.get("UNSUPPORTED_APP_PROTOCOL") or None)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
