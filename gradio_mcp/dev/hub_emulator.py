"""LocalHub: an emulator of the Hub's space API on loopback, for tests, benchmarks and the demo.

It answers `GET /api/spaces/{owner}/{name}` as the Hub does (ETag and 304, 401 for a private
space without the right token) and can proxy a space's own routes to a real Gradio app, adding
latency and checking the token a private space needs. Per-space latency and faults, and
request counters, let tests observe what a client did.

It also lists and searches spaces (`GET /api/spaces`, see `_hub_listing`), knows users and
their tokens (`GET /api/whoami-v2`; a private space is readable by its owner's tokens and by
the tokens it lists) and signs users in over OAuth as the Hub does (see `_hub_accounts`).

Like `{subdomain}.hf.space` on the real Hub, each proxied space has its own origin,
`http://{subdomain}.localhost:{port}` on the emulator's port: names under `localhost` always
mean this machine, and the emulator tells the spaces apart by the Host header. The proxy
passes that origin on as `X-Forwarded-Host`, so the Gradio app builds its output file URLs
on it, as a space behind the Hub's proxy does. Clients reach these hosts only where
127.0.0.1 is allowed (`GRADIO_MCP_ALLOWED_NETWORKS=127.0.0.1/32`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import httpx2
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Host, Route

from gradio_mcp.dev._hub_accounts import HubAccounts
from gradio_mcp.dev._hub_listing import ListingError, list_spaces
from gradio_mcp.discovery._space_ids import predict_subdomain

# Faults a space's Hub entry can be given.
FAULTS = ("status_500", "status_503", "hang", "bad_json", "not_found")
# Hop-by-hop and length headers are recomputed by the proxy's own server.
_SKIP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "content-encoding"}


@dataclass
class HubSpace:
    """One space as the emulator knows it."""

    id: str
    sdk: str = "gradio"
    private: bool = False
    tokens: tuple[str, ...] = ()  # tokens that may read a private space
    stage: str = "RUNNING"
    title: str | None = None
    emoji: str | None = None
    sha: str = "0" * 40
    host: str | None = None  # the space's URL as the Hub reports it
    upstream: str | None = None  # a real app that the space's own host proxies to
    hub_latency: float = 0.0  # seconds added to the Hub's answer
    space_latency: float = 0.0  # seconds added to each proxied space request
    fault: str | None = None
    # Serve repeated GETs from the first answer: many emulated spaces can then share one real
    # app without its CPU becoming what a benchmark measures.
    replay: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    likes: int = 0
    description: str | None = None  # the card's one-line short_description
    mcp_server: bool = False  # tagged `mcp-server`, as the Hub tags MCP-enabled spaces

    @property
    def owner(self) -> str:
        return self.id.split("/")[0]

    @property
    def subdomain(self) -> str:
        return predict_subdomain(self.id)

    def payload(self) -> dict[str, Any]:
        card: dict[str, Any] = {"sdk": self.sdk}
        if self.title:
            card["title"] = self.title
        if self.emoji:
            card["emoji"] = self.emoji
        if self.description:
            card["short_description"] = self.description
        tags = [self.sdk, *(["mcp-server"] if self.mcp_server else []), "region:us"]
        return {
            "_id": hashlib.sha1(self.id.encode()).hexdigest()[:24],
            "id": self.id,
            "author": self.id.split("/")[0],
            "private": self.private,
            "sdk": self.sdk,
            "sha": self.sha,
            "subdomain": self.subdomain,
            "host": self.host,
            "runtime": {"stage": self.stage, "hardware": {"current": "cpu-basic"}},
            "cardData": card,
            "likes": self.likes,
            "tags": tags,
            **self.extra,
        }


class LocalHub:
    """Start with `with LocalHub() as hub:` (or `start()`/`stop()`); `hub.url` is the
    endpoint to give `HF_ENDPOINT`. Thread-safe enough for tests: counters are plain ints
    written by the server's loop and read by the test."""

    def __init__(self, port: int = 0) -> None:
        self.spaces: dict[str, HubSpace] = {}
        self.metadata_requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.space_requests: Counter[tuple[str, str]] = Counter()
        self.authorizations: list[tuple[str, str | None]] = []  # (path, token) seen by the proxy
        self.in_flight = 0
        self.max_in_flight = 0
        self.listing_requests = 0
        self.listing_latency = 0.0  # seconds added to each /api/spaces answer
        self.accounts = HubAccounts()
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._proxy: httpx2.AsyncClient | None = None
        self._replayed: dict[tuple[str, str, str], tuple[bytes, int, str]] = {}
        space_routes = [Route("/{path:path}", self._proxy_space, methods=["GET", "POST"])]
        self.app = Starlette(
            routes=[
                Host("{subdomain}.localhost", Starlette(routes=space_routes)),
                Route("/api/spaces", self._list_spaces),
                Route("/api/spaces/{owner}/{name}", self._space_info),
                *self.accounts.routes(),
            ]
        )

    # ------------------------------------------------------------------ configuration

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("LocalHub is not started")
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    @property
    def host_template(self) -> str:
        """What GRADIO_MCP_SPACE_HOST_TEMPLATE should be for proxied spaces."""
        return proxied_host_template(self.url)

    def add_space(self, space_id: str, **fields: Any) -> HubSpace:
        """Register a space. With `upstream=` and no `host=`, the space is served through the
        emulator's proxy at the predicted host (`host_template`)."""
        space = HubSpace(id=space_id, **fields)
        if space.host is None and space.upstream is not None:
            space.host = self.host_template.format(subdomain=space.subdomain)
        self.spaces[space_id] = space
        return space

    def update_space(self, space_id: str, **changes: Any) -> HubSpace:
        """Change a space as a redeploy would (a new sha unless one is given)."""
        space = self.spaces[space_id]
        if "sha" not in changes:
            changes["sha"] = hashlib.sha1((space.sha + "+").encode()).hexdigest()
        self.spaces[space_id] = replace(space, **changes)
        return self.spaces[space_id]

    def add_user(self, name: str, *tokens: str) -> None:
        """A Hub user and tokens of theirs: they read the user's private spaces and pass
        `whoami`."""
        self.accounts.add_user(name, *tokens)

    def may_read(self, space: HubSpace, token: str | None) -> bool:
        """Whether `token` may see `space`: public, listed in its tokens, or its owner's."""
        if not space.private:
            return True
        return token is not None and (
            token in space.tokens or self.accounts.user_of(token) == space.owner
        )

    def reset_counters(self) -> None:
        self.metadata_requests.clear()
        self.not_modified.clear()
        self.space_requests.clear()
        self.authorizations.clear()
        self.max_in_flight = 0
        self.listing_requests = 0
        self.accounts.whoami_requests = 0

    # ------------------------------------------------------------------ routes

    async def _space_info(self, request: Request) -> Response:
        space_id = f"{request.path_params['owner']}/{request.path_params['name']}"
        self.metadata_requests[space_id] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer_space_info(request, space_id)
        finally:
            self.in_flight -= 1

    async def _answer_space_info(self, request: Request, space_id: str) -> Response:
        space = self.spaces.get(space_id)
        if space is not None and space.hub_latency:
            await asyncio.sleep(space.hub_latency)
        not_found = JSONResponse({"error": "Repository not found"}, status_code=404)
        if space is None or space.fault == "not_found":
            return not_found
        if space.fault == "hang":
            await asyncio.sleep(3600)
        if space.fault in ("status_500", "status_503"):
            return JSONResponse({"error": "upstream fault"}, status_code=int(space.fault[-3:]))
        if space.fault == "bad_json":
            return Response("<html>oops</html>", media_type="application/json")
        if not self.may_read(space, _bearer(request.headers.get("authorization"))):
            # The Hub hides private repositories: 401 without a token, 404 with a wrong one.
            if request.headers.get("authorization"):
                return not_found
            return JSONResponse({"error": "Invalid username or password."}, status_code=401)
        body = json.dumps(space.payload(), sort_keys=True).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if request.headers.get("if-none-match") == etag:
            self.not_modified[space_id] += 1
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type="application/json", headers={"ETag": etag})

    async def _list_spaces(self, request: Request) -> Response:
        self.listing_requests += 1
        if self.listing_latency:
            await asyncio.sleep(self.listing_latency)
        token = _bearer(request.headers.get("authorization"))
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        payloads = {space.id: space.payload() for space in self.spaces.values()}
        try:
            listing = list_spaces(
                payloads.values(), params, lambda p: self.may_read(self.spaces[p["id"]], token)
            )
        except ListingError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        headers = {}
        if listing.next_query is not None:
            headers["Link"] = f'<{self.url}/api/spaces?{listing.next_query}>; rel="next"'
        return JSONResponse(listing.entries, headers=headers)

    async def _proxy_space(self, request: Request) -> Response:
        subdomain = request.path_params["subdomain"]
        path = "/" + request.path_params["path"]
        space = next((s for s in self.spaces.values() if s.subdomain == subdomain), None)
        if space is None or space.upstream is None:
            return JSONResponse({"error": "no such space"}, status_code=404)
        self.space_requests[(space.id, path)] += 1
        token = _bearer(request.headers.get("x-hf-authorization"))
        self.authorizations.append((path, token))
        if space.space_latency:
            await asyncio.sleep(space.space_latency)
        if not self.may_read(space, token):
            return JSONResponse({"error": "private space"}, status_code=401)
        replay_key = (space.upstream, path, str(request.query_params))
        if space.replay and request.method == "GET" and replay_key in self._replayed:
            body, status, media_type = self._replayed[replay_key]
            return Response(body, status_code=status, media_type=media_type)
        if self._proxy is None:
            self._proxy = httpx2.AsyncClient(timeout=httpx2.Timeout(60.0, connect=5.0))
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in _SKIP_HEADERS and k.lower() != "x-hf-authorization"
        }
        # The app builds its file URLs on the space's own origin, as behind the Hub's proxy.
        headers["x-forwarded-host"] = request.headers.get("host", "")
        headers["x-forwarded-proto"] = "http"
        upstream = self._proxy.build_request(
            request.method,
            space.upstream.rstrip("/") + path,
            params=request.query_params,
            headers=headers,
            content=await request.body(),
        )
        response = await self._proxy.send(upstream, stream=True)
        if space.replay and request.method == "GET":
            body = await response.aread()
            media_type = response.headers.get("content-type", "application/json")
            self._replayed[replay_key] = (body, response.status_code, media_type)
            return Response(body, status_code=response.status_code, media_type=media_type)
        out_headers = {k: v for k, v in response.headers.items() if k.lower() not in _SKIP_HEADERS}
        return StreamingResponse(
            response.aiter_raw(),
            status_code=response.status_code,
            headers=out_headers,
            background=BackgroundTask(response.aclose),
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 10.0) -> LocalHub:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", self._port))
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        server, sock = self._server, self._socket
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            name="LocalHub",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("LocalHub did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = None

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def proxied_host_template(hub_url: str) -> str:
    """The URL template of the spaces a LocalHub at `hub_url` proxies."""
    port = httpx2.URL(hub_url).port
    return f"http://{{subdomain}}.localhost:{port}"


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def main() -> None:
    """Run a LocalHub in its own process: `python -m gradio_mcp.dev.hub_emulator SPACES_JSON`.

    SPACES_JSON is a list of `add_space` keyword objects (each with an `id`). The hub's URL
    is printed on the first line of stdout; the process runs until stdin closes or it is
    terminated. Benchmarks use this so the emulator does not share their interpreter.
    """
    import sys

    spaces = json.loads(sys.argv[1])
    with LocalHub() as hub:
        for entry in spaces:
            fields = dict(entry)
            hub.add_space(fields.pop("id"), **fields)
        print(hub.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
