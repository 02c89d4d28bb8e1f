"""LocalHub: an emulator of the Hub's space API on loopback, for tests, benchmarks and the demo.

It answers `GET /api/spaces/{owner}/{name}` as the Hub does (ETag and 304, 401 for a private
space without a token, 404 with one that cannot read it, 401 for any request whose token is
invalid or expired: `revoked_tokens`; 429 with `Retry-After` for a rate-limited space) and
can proxy a space's own routes to a real Gradio app, adding
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

Like the Hub's own proxy in front of `*.hf.space`, it also:

* runs a space on several **replicas** (one real Gradio app each): every answer names its
  replica in `X-Proxied-Replica`, `/--replicas/{id}/...` reaches that replica, and other
  requests go to the replicas in turn, so a client that does not pin a job's follow-up
  requests (and its files) to one replica fails as it would on a real multi-replica space;
* lets a space **sleep**: while SLEEPING or starting, its host answers 503 with an HTML page;
  the first visit wakes it, and it runs `wake_after` seconds later;
* injects **call faults** on the queue routes: a full queue (HTTP 503, as Gradio answers),
  or a ZeroGPU quota error event (as the `spaces` package raises it inside a job).
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
from starlette.routing import Host, Route, WebSocketRoute
from starlette.websockets import WebSocket

from gradio_mcp.dev._hub_accounts import HubAccounts, bearer
from gradio_mcp.dev._hub_listing import MAX_LIMIT as MAX_LISTING_PAGE
from gradio_mcp.dev._hub_listing import ListingError, list_spaces
from gradio_mcp.dev._hub_websockets import proxy_websocket
from gradio_mcp.discovery import predict_subdomain

# Faults of the space's own call routes.
CALL_FAULTS = ("queue_full", "zerogpu_quota")
REPLICA_HEADER = "X-Proxied-Replica"
QUEUE_FULL_DETAIL = "Queue is full. Max size is 2 and size is 2."
ZEROGPU_TITLE = "ZeroGPU quota exceeded"
ZEROGPU_MESSAGE = (
    "You have exceeded your free ZeroGPU quota (60s requested vs. 12s left). Try again in"
    ' 0:04:12. <a style="white-space: nowrap" href="https://huggingface.co/settings/tokens">'
    "Authenticate with a Hugging Face token</a> for more quota."
)
ZEROGPU_EVENT = "zerogpu-quota"
SLEEPING_PAGE = "<html><body><h1>This Space is sleeping due to inactivity</h1></body></html>"
_WAKING_STAGES = ("SLEEPING", "STOPPED", "APP_STARTING")
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
    fault: str | None = None  # not_found, hang, status_429, status_500, status_503, bad_json
    retry_after: str | None = None  # the Retry-After header of a status_429/503 fault
    call_fault: str | None = None  # one of CALL_FAULTS
    # Real apps serving the space as replicas (instead of `upstream`).
    replicas: tuple[str, ...] = ()
    wake_after: float = 1.0  # seconds from the first visit of a sleeping space to RUNNING
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

    @property
    def replica_ids(self) -> tuple[str, ...]:
        """The replicas' ids, as the Hub's proxy names them (5 lowercase alphanumerics)."""
        return tuple(
            hashlib.sha1(f"{self.id}#{i}".encode()).hexdigest()[:5]
            for i in range(len(self.replicas))
        )

    @property
    def backends(self) -> tuple[str, ...]:
        return self.replicas or ((self.upstream,) if self.upstream else ())

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
        # (space id, replica id, path) of every request a replica served.
        self.replica_requests: Counter[tuple[str, str, str]] = Counter()
        self._turn: Counter[str] = Counter()  # round robin over a space's replicas
        self.authorizations: list[tuple[str, str | None]] = []  # (path, token) seen by the proxy
        # Tokens the Hub no longer accepts (expired, revoked): every request carrying one
        # gets 401, whatever it asks for.
        self.revoked_tokens: set[str] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self.listing_requests = 0
        self.listing_latency = 0.0  # seconds added to each /api/spaces answer
        # Most entries one /api/spaces page holds, whatever `limit` asks for; the rest are
        # on the pages its `Link: <...>; rel="next"` names, as on the Hub.
        self.listing_page_size = MAX_LISTING_PAGE
        self.accounts = HubAccounts()
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._proxy: httpx2.AsyncClient | None = None
        self._replayed: dict[tuple[str, str, str], tuple[bytes, int, str]] = {}
        self._starting: set[asyncio.Task[None]] = set()
        space_routes = [
            Route("/{path:path}", self._proxy_space, methods=["GET", "POST"]),
            WebSocketRoute("/{path:path}", self._proxy_space_websocket),  # Gradio 3's queue
        ]
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
        if space.host is None and (space.upstream is not None or space.replicas):
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
        self.replica_requests.clear()
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
        if bearer(request.headers.get("authorization")) in self.revoked_tokens:
            message = {"error": "Invalid credentials in Authorization header"}
            return JSONResponse(message, status_code=401)
        if space is None or space.fault == "not_found":
            return not_found
        if space.fault == "hang":
            await asyncio.sleep(3600)
        if space.fault in ("status_429", "status_500", "status_503"):
            headers = {"Retry-After": space.retry_after} if space.retry_after else None
            status = int(space.fault[-3:])
            return JSONResponse({"error": "upstream fault"}, status_code=status, headers=headers)
        if space.fault == "bad_json":
            return Response("<html>oops</html>", media_type="application/json")
        if not self.may_read(space, bearer(request.headers.get("authorization"))):
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
        token = bearer(request.headers.get("authorization"))
        params: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        payloads = {space.id: space.payload() for space in self.spaces.values()}
        try:
            listing = list_spaces(
                payloads.values(),
                params,
                lambda p: self.may_read(self.spaces[p["id"]], token),
                page_size=self.listing_page_size,
            )
        except ListingError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        headers = {}
        if listing.next_query is not None:
            headers["Link"] = f'<{self.url}/api/spaces?{listing.next_query}>; rel="next"'
        return JSONResponse(listing.entries, headers=headers)

    def _proxied(self, request: Request | WebSocket) -> tuple[HubSpace | None, str, str | None]:
        """The space a request to a space's own host is for (counted), its path and token."""
        subdomain = request.path_params["subdomain"]
        path = "/" + request.path_params["path"]
        space = next((s for s in self.spaces.values() if s.subdomain == subdomain), None)
        if space is None or not space.backends:
            return None, path, None
        self.space_requests[(space.id, path)] += 1
        token = bearer(request.headers.get("x-hf-authorization"))
        self.authorizations.append((path, token))
        return space, path, token

    async def _proxy_space(self, request: Request) -> Response:
        space, path, token = self._proxied(request)
        if space is None:
            return JSONResponse({"error": "no such space"}, status_code=404)
        if space.space_latency:
            await asyncio.sleep(space.space_latency)
        if not self.may_read(space, token):
            return JSONResponse({"error": "private space"}, status_code=401)
        if space.stage in _WAKING_STAGES:
            self._visit(space)
            return Response(SLEEPING_PAGE, status_code=503, media_type="text/html")
        if space.stage not in ("RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"):
            return Response(f"<html>Space is {space.stage}</html>", 503, media_type="text/html")
        replica, path = self._route(space, path)
        if replica is None:
            return JSONResponse({"error": "no such replica"}, status_code=404)
        faulted = self._call_fault(space, request.method, path)
        if faulted is not None:
            return self._with_replica(faulted, space, replica)
        backend = space.backends[replica]
        self.replica_requests[(space.id, self._replica_id(space, replica), path)] += 1
        replay_key = (backend, path, str(request.query_params))
        replay = space.replay and request.method == "GET"
        if replay and replay_key in self._replayed:
            body, status, media_type = self._replayed[replay_key]
            return self._with_replica(Response(body, status, media_type=media_type), space, replica)
        if self._proxy is None:
            self._proxy = httpx2.AsyncClient(timeout=httpx2.Timeout(60.0, connect=5.0))
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in _SKIP_HEADERS and k.lower() != "x-hf-authorization"
        }
        # The app builds its file URLs on the space's own origin, as behind the Hub's proxy
        # (which strips any replica prefix too).
        headers["x-forwarded-host"] = request.headers.get("host", "")
        headers["x-forwarded-proto"] = "http"
        upstream = self._proxy.build_request(
            request.method,
            backend.rstrip("/") + path,
            params=request.query_params,
            headers=headers,
            content=await request.body(),
        )
        response = await self._proxy.send(upstream, stream=True)
        if replay:
            media_type = response.headers.get("content-type", "application/json")
            body = await response.aread()
            self._replayed[replay_key] = (body, response.status_code, media_type)
            return self._with_replica(
                Response(body, response.status_code, media_type=media_type), space, replica
            )
        out_headers = {k: v for k, v in response.headers.items() if k.lower() not in _SKIP_HEADERS}
        return self._with_replica(
            StreamingResponse(
                response.aiter_raw(),
                status_code=response.status_code,
                headers=out_headers,
                background=BackgroundTask(response.aclose),
            ),
            space,
            replica,
        )

    async def _proxy_space_websocket(self, websocket: WebSocket) -> None:
        space, path, token = self._proxied(websocket)
        if space is None:
            await websocket.close(code=1008, reason="no such space")
            return
        if not self.may_read(space, token) or space.stage != "RUNNING":
            await websocket.close(code=1008, reason="private space or not running")
            return
        replica, path = self._route(space, path)
        if replica is None:
            await websocket.close(code=1008, reason="no such replica")
            return
        self.replica_requests[(space.id, self._replica_id(space, replica), path)] += 1
        headers = {k: v for k, v in websocket.headers.items() if k.lower() != "x-hf-authorization"}
        extra = _replica_header(space, replica) or None
        await proxy_websocket(websocket, space.backends[replica], path, headers, extra)

    def _route(self, space: HubSpace, path: str) -> tuple[int | None, str]:
        """Which replica serves `path`, and the path it sees: `/--replicas/{id}/...` pins
        one, anything else goes to the replicas in turn."""
        if path.startswith("/--replicas/"):
            replica_id, _, rest = path[len("/--replicas/") :].partition("/")
            ids = space.replica_ids
            return (ids.index(replica_id) if replica_id in ids else None), "/" + rest
        if len(space.backends) <= 1:
            return 0, path
        turn = self._turn[space.id]
        self._turn[space.id] += 1
        return turn % len(space.backends), path

    @staticmethod
    def _replica_id(space: HubSpace, replica: int) -> str:
        return space.replica_ids[replica] if space.replicas else "main"

    def _with_replica(self, response: Response, space: HubSpace, replica: int) -> Response:
        response.headers.update(_replica_header(space, replica))
        return response

    def _visit(self, space: HubSpace) -> None:
        """A visit to a sleeping space starts it; it runs `wake_after` seconds later."""
        if space.stage not in ("SLEEPING", "STOPPED"):
            return
        space.stage = "APP_STARTING"

        async def finish_starting() -> None:
            await asyncio.sleep(space.wake_after)
            if space.stage == "APP_STARTING":
                space.stage = "RUNNING"

        task = asyncio.get_running_loop().create_task(finish_starting())
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    @staticmethod
    def _call_fault(space: HubSpace, method: str, path: str) -> Response | None:
        """The answer a call fault gives on the queue routes, None for other routes."""
        fault = space.call_fault
        if fault is None:
            return None
        joins = method == "POST" and (path.endswith("/queue/join") or "/call/" in path)
        if fault == "queue_full":
            # Gradio's own answer once `queue(max_size=...)` is reached.
            return JSONResponse({"detail": QUEUE_FULL_DETAIL}, status_code=503) if joins else None
        if fault != "zerogpu_quota":
            return None
        # The job is accepted and fails inside, as the `spaces` package raises gr.Error.
        if joins:
            return JSONResponse({"event_id": ZEROGPU_EVENT})
        error = {"error": ZEROGPU_MESSAGE, "duration": 10, "visible": True, "title": ZEROGPU_TITLE}
        if method == "GET" and path.endswith("/queue/data"):
            done = {
                "msg": "process_completed",
                "event_id": ZEROGPU_EVENT,
                "output": error,
                "success": False,
                "title": ZEROGPU_TITLE,
            }
            body = f"data: {json.dumps(done)}\n\ndata: {json.dumps({'msg': 'close_stream'})}\n\n"
            return Response(body, media_type="text/event-stream")
        if method == "GET" and path.endswith(f"/{ZEROGPU_EVENT}"):
            body = f"event: error\ndata: {json.dumps(error)}\n\n"
            return Response(body, media_type="text/event-stream")
        return None

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 10.0) -> LocalHub:
        # IPPROTO_TCP spelled out: asyncio turns Nagle's algorithm off only on sockets that
        # say they are TCP, and connections accepted from a protocol-0 socket inherit the 0.
        # With Nagle on, each answer's body waits for the client's delayed ACK (about 40 ms).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", self._port))
        # The standard loop and h11 whatever is installed: the emulated Hub, the benchmarks'
        # world, stays the same when gradio_mcp's own server gets quicker libraries.
        config = uvicorn.Config(
            self.app, log_level="warning", lifespan="off", loop="asyncio", http="h11"
        )
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


def _replica_header(space: HubSpace, replica: int) -> dict[str, str]:
    """The header naming the replica that answered, as the Hub's proxy sends it."""
    if not space.replicas:
        return {}
    return {REPLICA_HEADER: f"{space.subdomain[:8]}-{space.replica_ids[replica]}"}


def main() -> None:
    """Run a LocalHub in its own process: `python -m gradio_mcp.dev.hub_emulator SPACES_JSON`.

    SPACES_JSON is a list of `add_space` keyword objects (each with an `id`), or `@PATH` of a
    file holding it (thousands of spaces do not fit in one command-line argument). The hub's
    URL is printed on the first line of stdout; the process runs until stdin closes or it is
    terminated. Benchmarks use this so the emulator does not share their interpreter.
    """
    import argparse
    import sys
    from pathlib import Path

    parser = argparse.ArgumentParser(
        prog="python -m gradio_mcp.dev.hub_emulator",
        description="Run a local Hugging Face Hub emulator on loopback. Prints its URL on the"
        " first line of stdout and runs until stdin closes or it is terminated. Point"
        " gradio-mcp at it with HF_ENDPOINT=<that URL>.",
        epilog='Example: python -m gradio_mcp.dev.hub_emulator \'[{"id": "demo/echo",'
        ' "host": "http://127.0.0.1:7860"}]\' (then GRADIO_MCP_ALLOWED_NETWORKS=127.0.0.1/32'
        " for gradio-mcp to reach the app)",
    )
    parser.add_argument(
        "spaces",
        metavar="SPACES_JSON",
        help="a JSON list of spaces, each an object with an 'id' and LocalHub.add_space's"
        " keyword arguments (host, sdk, private, tokens, ...); or @PATH of a file holding it",
    )
    argument = parser.parse_args().spaces
    try:
        text = Path(argument[1:]).read_text() if argument.startswith("@") else argument
        spaces = json.loads(text)
        if not isinstance(spaces, list) or not all(
            isinstance(e, dict) and "id" in e for e in spaces
        ):
            raise ValueError("not a list of objects with an 'id'")
    except (OSError, ValueError) as exc:
        parser.error(f"SPACES_JSON: {exc}")
    with LocalHub() as hub:
        for entry in spaces:
            fields = dict(entry)
            hub.add_space(fields.pop("id"), **fields)
        print(hub.url, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
