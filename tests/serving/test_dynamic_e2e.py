"""End to end: spaces found on demand and signed-in users, with `gradio-mcp serve` as a real
process, real Gradio apps behind LocalHub, and the official MCP Python client.

An agent that has only search_spaces, describe_space and call_space finds a space by a word
of its title, reads its endpoints and runs one with progress; a private space shows up and
runs only for its owner's token; with GRADIO_MCP_REQUIRE_AUTH a client without a token is
told where to sign in, signs in over OAuth with the (emulated) Hub, and goes on working.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit
from urllib.request import parse_http_list, parse_keqv_list

import anyio
import httpx2
import pytest
from mcp import types
from mcp.client.auth import OAuthClientProvider
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from mcp.shared.exceptions import MCPError

from gradio_mcp.dev.launcher import GradioAppProcess
from tests.stack import ServerProcess, SpaceSpec, Stack, running_server, running_stack

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ALICE = "hf_alice_e2e_token"
SPECS = (
    SpaceSpec("demo/streaming", "streaming", "Streaming counter", "⏱️"),
    SpaceSpec("demo/text-tools", "text_tools", "Text tools", "🔤"),
    SpaceSpec("demo/image-gen", "image_gen", "Image generator", "🎨"),
    # Owned by alice: her tokens read it, nobody else's do.
    SpaceSpec("alice/secret-tools", "text_tools", "Secret counter", "🔒", private=True),
)
HINTS = "demo/text-tools=read_only,idempotent; demo/text-tools/remember=additive"
DYNAMIC = ["search_spaces", "describe_space", "call_space"]
ERAS = {"2026-07-28": "auto", "2025-11-25": "legacy"}
TEST_TIMEOUT = 90.0


@pytest.fixture(scope="module")
def stack(gradio_apps: dict[str, GradioAppProcess]) -> Iterator[Stack]:
    """The spaces on LocalHub, and a server that configures none of them."""
    env = {"GRADIO_MCP_SPACES": "", "GRADIO_MCP_TOOL_HINTS": HINTS}
    with running_stack(gradio_apps, SPECS, env) as stack:
        hub = stack.hub
        hub.add_user("alice", ALICE)
        hub.update_space("demo/streaming", likes=12, description="Counts up, step by step")
        hub.update_space("demo/text-tools", likes=30)
        # Listed by the Hub, but not Gradio spaces that could answer.
        hub.add_space("carol/counter-site", sdk="streamlit", title="Counter site", likes=99)
        hub.add_space("dan/counter-nap", title="Sleepy counter", stage="SLEEPING", likes=5)
        yield stack


@pytest.fixture(scope="module")
def signed_in_server(stack: Stack) -> Iterator[ServerProcess]:
    """A second server on the same Hub that answers only signed-in users."""
    env = {"GRADIO_MCP_REQUIRE_AUTH": "true", "GRADIO_MCP_DYNAMIC": "true"}
    with running_server(stack.hub, [], env) as server:
        yield server


@pytest.fixture(params=list(ERAS), ids=list(ERAS))
def era(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.asynccontextmanager
async def mcp_client(
    url: str, era: str = "2025-11-25", *, token: str | None = None, auth: Any = None
) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timeout = httpx2.Timeout(30.0, read=60.0)
    with anyio.fail_after(TEST_TIMEOUT):
        async with (
            httpx2.AsyncClient(headers=headers, timeout=timeout, trust_env=False, auth=auth) as h,
            Client(streamable_http_client(url, http_client=h), mode=ERAS[era]) as client,
        ):
            yield client


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, types.TextContent))


def found(result: types.CallToolResult) -> list[str]:
    assert result.structured_content is not None, text_of(result)
    return [space["id"] for space in result.structured_content["spaces"]]


# ---------------------------------------------------------------------------------------------
# Spaces on demand


async def test_an_agent_finds_describes_and_calls_a_space_with_progress(
    stack: Stack, era: str
) -> None:
    events: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        events.append((progress, total, message))

    async with mcp_client(stack.server.mcp_url("dynamic=true"), era) as client:
        tools = (await client.list_tools(cache_mode="refresh")).tools
        searched = await client.call_tool("search_spaces", {"query": "counter"})
        space_id = found(searched)[0]
        described = await client.call_tool("describe_space", {"space_id": space_id})
        assert described.structured_content is not None, text_of(described)
        endpoints = {e["endpoint"]: e for e in described.structured_content["endpoints"]}
        count_up = endpoints["/count_up"]
        called = await client.call_tool(
            "call_space",
            {"space_id": space_id, "endpoint": "/count_up", "arguments": {"n": 4, "delay": 0.1}},
            progress_callback=on_progress,
        )

    assert [t.name for t in tools] == DYNAMIC  # nothing configured: the three tools only
    # Gradio spaces only, most liked first; not the streamlit one, nor the private one.
    assert found(searched) == ["demo/streaming", "dan/counter-nap"]
    first = searched.structured_content["spaces"][0]  # type: ignore[index]
    assert first == {
        "id": "demo/streaming",
        "title": "Streaming counter",
        "emoji": "⏱️",
        "stage": "RUNNING",
        "description": "Counts up, step by step",
        "likes": 12,
        "private": False,
        "mcp_server": False,
    }
    assert "SLEEPING" in text_of(searched)
    assert set(endpoints) == {"/count_up", "/echo"}
    assert set(count_up["inputSchema"]["properties"]) == {"n", "delay", "prefix"}
    assert count_up["name"] == "streaming__count_up"
    assert called.is_error is False, text_of(called)
    assert text_of(called) == "1 2 3 4 "
    assert called.structured_content == {"result": "1 2 3 4 "}
    values = [progress for progress, _, _ in events]
    assert len(values) >= 4 and all(a < b for a, b in itertools.pairwise(values)), events
    assert events[-1][:2] == (4, 4), events


async def test_a_private_space_is_found_and_called_only_with_its_owners_token(
    stack: Stack,
) -> None:
    url = stack.server.mcp_url("dynamic=true")
    counter = {
        "space_id": "alice/secret-tools",
        "endpoint": "letter_counter",
        "arguments": {"word": "banana", "letter": "a"},
    }
    async with mcp_client(url, token=ALICE) as client:
        owner_search = await client.call_tool("search_spaces", {"query": "secret"})
        owner_call = await client.call_tool("call_space", counter)
    async with mcp_client(url) as client:
        anonymous_search = await client.call_tool("search_spaces", {"query": "secret"})
        anonymous_call = await client.call_tool("call_space", counter)
    async with mcp_client(url, token="hf_somebody_else") as client:
        stranger_search = await client.call_tool("search_spaces", {"query": "secret"})
        stranger_call = await client.call_tool("call_space", counter)

    assert found(owner_search) == ["alice/secret-tools"]
    assert owner_search.structured_content["spaces"][0]["private"] is True  # type: ignore[index]
    assert owner_call.is_error is False and text_of(owner_call) == "3"
    # Nobody else sees it, even right after its owner's search (no cache is shared).
    assert found(anonymous_search) == [] and found(stranger_search) == []
    for refused in (anonymous_call, stranger_call):
        assert refused.is_error is True
        assert "not found on the Hub" in text_of(refused)


async def test_without_dynamic_there_are_no_such_tools(stack: Stack) -> None:
    async with mcp_client(stack.server.mcp_url()) as client:
        tools = (await client.list_tools(cache_mode="refresh")).tools
        with pytest.raises(MCPError) as unknown:
            await client.call_tool("search_spaces", {"query": "counter"})
    assert tools == []
    assert unknown.value.code == types.INVALID_PARAMS


async def test_no_image_content_gives_links_instead_of_images(stack: Stack) -> None:
    image = {"colour": "blue", "size": 16}
    query = "gradio=demo/image-gen&dynamic=true"
    async with mcp_client(stack.server.mcp_url(query)) as client:
        with_images = await client.call_tool("image-gen__make_image", image)
    async with mcp_client(stack.server.mcp_url(query + "&no_image_content=true")) as client:
        configured = await client.call_tool("image-gen__make_image", image)
        on_demand = await client.call_tool(
            "call_space",
            {"space_id": "demo/image-gen", "endpoint": "/make_image", "arguments": image},
        )

    assert any(isinstance(b, types.ImageContent) for b in with_images.content)
    for result in (configured, on_demand):
        assert result.is_error is False, text_of(result)
        assert not any(isinstance(b, types.ImageContent) for b in result.content)
        links = [b for b in result.content if isinstance(b, types.ResourceLink)]
        assert len(links) == 1 and links[0].mime_type in ("image/png", "image/webp")


async def test_annotations_say_only_what_the_operator_declared(stack: Stack) -> None:
    async with mcp_client(stack.server.mcp_url("gradio=demo/text-tools,demo/streaming")) as c:
        tools = {t.name: t.annotations for t in (await c.list_tools(cache_mode="refresh")).tools}

    def hints(name: str) -> tuple[bool | None, bool | None, bool | None, bool | None]:
        a = tools[name]
        assert a is not None
        return (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint)

    assert hints("text-tools__letter_counter") == (True, None, True, True)
    assert hints("text-tools__remember") == (False, False, True, True)
    assert hints("streaming__count_up") == (None, None, None, True)  # nobody vouched


# ---------------------------------------------------------------------------------------------
# Sign-in


def challenge(response: httpx2.Response) -> dict[str, str]:
    scheme, _, parameters = response.headers["www-authenticate"].partition(" ")
    assert scheme == "Bearer"
    return parse_keqv_list(parse_http_list(parameters))


async def test_a_client_without_a_token_is_told_where_to_sign_in(
    stack: Stack, signed_in_server: ServerProcess
) -> None:
    seen: list[httpx2.Response] = []

    async def record(response: httpx2.Response) -> None:
        seen.append(response)

    url = signed_in_server.mcp_url()
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx2.AsyncClient(trust_env=False, event_hooks={"response": [record]}) as h:
            with pytest.raises(ExceptionGroup):  # the connection itself fails
                async with Client(streamable_http_client(url, http_client=h)):
                    pass
            refused = seen[0]
            metadata = await h.get(challenge(refused)["resource_metadata"])

    assert refused.status_code == 401
    assert metadata.status_code == 200
    assert metadata.json()["resource"] == signed_in_server.mcp_url()
    assert metadata.json()["authorization_servers"] == [stack.hub.url]


async def test_a_token_the_hub_rejects_is_refused_and_a_valid_one_works(
    signed_in_server: ServerProcess,
) -> None:
    with anyio.fail_after(TEST_TIMEOUT):
        async with httpx2.AsyncClient(trust_env=False) as h:
            rejected = await h.post(
                signed_in_server.mcp_url(),
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                headers={"Authorization": "Bearer hf_revoked_or_made_up"},
            )
    async with mcp_client(signed_in_server.mcp_url(), token=ALICE) as client:
        tools = [t.name for t in (await client.list_tools(cache_mode="refresh")).tools]

    assert rejected.status_code == 401
    assert challenge(rejected)["error"] == "invalid_token"
    assert tools == DYNAMIC


class MemoryStorage:
    """Where the SDK's OAuth client keeps its registration and tokens (this test only)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


async def test_a_user_signs_in_with_the_hub_and_calls_their_private_space(
    stack: Stack, signed_in_server: ServerProcess
) -> None:
    """The official client's OAuth flow: 401, metadata, the Hub's OpenID configuration,
    registration, authorization (alice approves), token; then a call with that token."""
    stack.hub.accounts.signed_in = "alice"
    answered: dict[str, str] = {}

    async def open_browser(authorization_url: str) -> None:
        # What the user's browser would do: the Hub's consent page sends it back to the app.
        async with httpx2.AsyncClient(trust_env=False) as browser:
            page = await browser.get(authorization_url)
        assert page.status_code == 302, page.text
        query = parse_qs(urlsplit(page.headers["location"]).query)
        answered.update(code=query["code"][0], state=query["state"][0])

    async def callback() -> AuthorizationCodeResult:
        return AuthorizationCodeResult(**answered)

    storage = MemoryStorage()
    provider = OAuthClientProvider(
        signed_in_server.mcp_url(),
        OAuthClientMetadata(
            redirect_uris=["http://127.0.0.1:9/callback"],
            client_name="gradio-mcp e2e",
            grant_types=["authorization_code"],
            token_endpoint_auth_method="none",
        ),
        storage,
        open_browser,
        callback,
    )
    async with mcp_client(signed_in_server.mcp_url(), auth=provider) as client:
        tools = [t.name for t in (await client.list_tools(cache_mode="refresh")).tools]
        counted = await client.call_tool(
            "call_space",
            {
                "space_id": "alice/secret-tools",
                "endpoint": "/letter_counter",
                "arguments": {"word": "papaya", "letter": "a"},
            },
        )

    assert tools == DYNAMIC
    assert counted.is_error is False and text_of(counted) == "3"
    assert storage.tokens is not None
    assert storage.tokens.access_token in stack.hub.accounts.issued
    assert stack.hub.accounts.user_of(storage.tokens.access_token) == "alice"
