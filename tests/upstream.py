"""A scripted Hub and set of spaces behind a mock transport, for discovery unit tests.

One callback answers every request the code under test makes, so tests can count requests
per URL, add latency per space, and observe concurrency, all without a socket.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from tests.mock_http import MockHTTP

FIXTURES = Path(__file__).parent / "fixtures" / "gradio-6.31"
HUB = "https://hub.test"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class Space:
    id: str
    sdk: str = "gradio"
    private: bool = False
    token: str | None = None
    sha: str = "a" * 40
    host: str | None = None
    stage: str = "RUNNING"
    hub_latency: float = 0.0
    schema_latency: float = 0.0
    hub_status: int = 200
    app: str = "blocks"  # which captured app's documents the space serves
    hub_exception: Exception | None = None

    @property
    def subdomain(self) -> str:
        return self.id.replace("/", "-").lower()

    @property
    def url(self) -> str:
        return self.host or f"https://{self.subdomain}.hf.space"


@dataclass
class Upstream:
    spaces: dict[str, Space] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    headers: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    finished: list[str] = field(default_factory=list)
    # ("hub" | "schema", "start" | "end", space id) in the order things happened.
    events: list[tuple[str, str, str]] = field(default_factory=list)

    def index(self, kind: str, edge: str, space_id: str) -> int:
        """Position of the first such event (ValueError if it never happened)."""
        return self.events.index((kind, edge, space_id))

    def add(self, space_id: str, **kw: Any) -> Space:
        self.spaces[space_id] = Space(space_id, **kw)
        return self.spaces[space_id]

    def hub_requests(self, space_id: str) -> int:
        return self.requests[f"{HUB}/api/spaces/{space_id}"]

    def schema_requests(self, space_id: str) -> int:
        base = self.spaces[space_id].url
        return sum(n for url, n in self.requests.items() if url.startswith(base + "/"))

    async def __call__(self, request: httpx2.Request) -> httpx2.Response:
        url = str(request.url).split("?")[0]
        self.requests[url] += 1
        self.headers.append((url, dict(request.headers)))
        if url.startswith(HUB + "/api/spaces/"):
            return await self._hub(request, url[len(HUB + "/api/spaces/") :])
        for space in self.spaces.values():
            if url.startswith(space.url + "/"):
                return await self._space(request, space, url[len(space.url) :])
        return httpx2.Response(404, json={"error": "unknown host"})

    async def _hub(self, request: httpx2.Request, space_id: str) -> httpx2.Response:
        space = self.spaces.get(space_id)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.events.append(("hub", "start", space_id))
        try:
            if space and space.hub_latency:
                await asyncio.sleep(space.hub_latency)
        finally:
            self.in_flight -= 1
            self.finished.append(space_id)
            self.events.append(("hub", "end", space_id))
        if space is None:
            return httpx2.Response(404, json={"error": "Repository not found"})
        if space.hub_exception is not None:
            raise space.hub_exception
        if space.hub_status != 200:
            return httpx2.Response(space.hub_status, json={"error": "fault"})
        if space.private and request.headers.get("authorization") != f"Bearer {space.token}":
            # As the Hub hides a private space: 401 without a token, 404 with another one.
            if request.headers.get("authorization"):
                return httpx2.Response(404, json={"error": "Repository not found"})
            return httpx2.Response(401, json={"error": "Invalid credentials"})
        body = {
            "id": space.id,
            "private": space.private,
            "sdk": space.sdk,
            "sha": space.sha,
            "subdomain": space.subdomain,
            "host": space.url,
            "runtime": {"stage": space.stage},
            "cardData": {"title": space.id.split("/")[1].title(), "emoji": "🧪"},
        }
        raw = json.dumps(body, sort_keys=True).encode()
        etag = '"' + hashlib.sha256(raw).hexdigest()[:16] + '"'
        if request.headers.get("if-none-match") == etag:
            return httpx2.Response(304, headers={"ETag": etag})
        return httpx2.Response(200, content=raw, headers={"ETag": etag})

    async def _space(self, request: httpx2.Request, space: Space, path: str) -> httpx2.Response:
        self.events.append(("schema", "start", space.id))
        if space.schema_latency:
            await asyncio.sleep(space.schema_latency)
        self.events.append(("schema", "end", space.id))
        docs = {
            "/gradio_api/info": f"{space.app}_gradio_api_info.json",
            "/config": f"{space.app}_config.json",
            "/gradio_api/mcp/schema": f"{space.app}_gradio_api_mcp_schema.json",
        }
        if path not in docs or not (FIXTURES / docs[path]).exists():
            return httpx2.Response(404, json={"detail": "Not Found"})
        return httpx2.Response(200, json=fixture(docs[path]))


def install(http_mock: MockHTTP) -> Upstream:
    """An Upstream answering every request made through `http_mock.client()`."""
    upstream = Upstream()
    http_mock.add_callback(upstream)
    return upstream
