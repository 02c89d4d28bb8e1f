"""The Hub's verdict on a token (`whoami`), against LocalHub: accepted with the user's name,
rejected, remembered for the TTL by fingerprint, and never assumed when the Hub is down."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from gradio_mcp.config import Settings
from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.discovery import Discovery, HubTokens
from gradio_mcp.errors import HubError
from tests.clock import Clock
from tests.mock_http import MockHTTP
from tests.upstream import HUB

pytestmark = pytest.mark.anyio

TOKEN = "hf_alice_token"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub() as hub:
        hub.add_user("alice", TOKEN)
        yield hub


async def test_accepted_and_rejected_tokens(hub: LocalHub) -> None:
    async with Discovery(Settings(hf_endpoint=hub.url)) as discovery:
        tokens = HubTokens(discovery)
        accepted = await tokens.check(TOKEN)
        rejected = await tokens.check("hf_made_up")
    assert (accepted.accepted, accepted.user) == (True, "alice")
    assert (rejected.accepted, rejected.user) == (False, None)


async def test_verdicts_are_remembered_for_the_ttl_under_a_fingerprint(hub: LocalHub) -> None:
    clock = Clock()
    settings = Settings(hf_endpoint=hub.url, auth_cache_ttl_ms=60000)
    async with Discovery(settings) as discovery:
        tokens = HubTokens(discovery, clock=clock)
        hub.reset_counters()
        for _ in range(3):
            assert (await tokens.check(TOKEN)).accepted
            assert not (await tokens.check("hf_made_up")).accepted
        assert hub.accounts.whoami_requests == 2
        assert all(TOKEN not in repr(key) for key in tokens.cache._entries)
        clock.now += 61
        assert (await tokens.check(TOKEN)).accepted
        assert hub.accounts.whoami_requests == 3


async def test_a_ttl_of_zero_asks_every_time(hub: LocalHub) -> None:
    settings = Settings(hf_endpoint=hub.url, auth_cache_ttl_ms=0)
    async with Discovery(settings) as discovery:
        tokens = HubTokens(discovery)
        hub.reset_counters()
        await tokens.check(TOKEN)
        await tokens.check(TOKEN)
    assert hub.accounts.whoami_requests == 2


async def test_an_unreachable_hub_is_an_error_not_a_verdict(http_mock: MockHTTP) -> None:
    clock = Clock()
    answers = iter([httpx2.Response(200, json={"type": "user", "name": "alice"})])

    def hub(_request: httpx2.Request) -> httpx2.Response:
        return next(answers, httpx2.Response(502, text="bad gateway"))

    http_mock.add_callback(hub)
    settings = Settings(hf_endpoint=HUB, auth_cache_ttl_ms=60000)
    async with Discovery(settings, client=http_mock.client()) as discovery:
        tokens = HubTokens(discovery, clock=clock)
        assert (await tokens.check(TOKEN)).user == "alice"
        clock.now += 61
        # The old verdict has expired and the Hub cannot give a new one: no guess either way.
        with pytest.raises(HubError, match="502"):
            await tokens.check(TOKEN)
    assert [r.url.path for r in http_mock.requests] == ["/api/whoami-v2"] * 2
    assert http_mock.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_a_hub_that_refuses_connections_is_an_error(http_mock: MockHTTP) -> None:
    http_mock.add_exception(httpx2.ConnectError("refused"))
    async with Discovery(Settings(hf_endpoint=HUB), client=http_mock.client()) as discovery:
        with pytest.raises(HubError, match="cannot reach the Hub"):
            await HubTokens(discovery).check(TOKEN)


NOT_A_USER = {
    "an HTML page": httpx2.Response(200, html="<html><body>Sign in to the portal</body></html>"),
    "an error object": httpx2.Response(200, json={"error": "Invalid credentials"}),
    "an empty list": httpx2.Response(200, json=[]),
    "a user without a name": httpx2.Response(200, json={"type": "user", "name": ""}),
    "a name without a type": httpx2.Response(200, json={"name": "alice"}),
    "JSON null": httpx2.Response(200, json=None),
}


@pytest.mark.parametrize("answer", list(NOT_A_USER.values()), ids=list(NOT_A_USER))
async def test_a_200_that_is_not_a_user_cannot_verify_the_token(
    http_mock: MockHTTP, answer: httpx2.Response
) -> None:
    http_mock.add_callback(lambda _request: answer)
    async with Discovery(Settings(hf_endpoint=HUB), client=http_mock.client()) as discovery:
        with pytest.raises(HubError, match="not a user"):
            await HubTokens(discovery).check(TOKEN)


async def test_a_hub_401_for_the_token_elsewhere_drops_its_verdict_at_once(
    hub: LocalHub,
) -> None:
    revoked = "hf_alice_soon_revoked"
    hub.add_user("alice", revoked)
    settings = Settings(hf_endpoint=hub.url, auth_cache_ttl_ms=60000)
    try:
        async with Discovery(settings) as discovery:
            tokens = HubTokens(discovery)
            assert (await tokens.check(revoked)).accepted
            hub.revoked_tokens.add(revoked)
            del hub.accounts.tokens[revoked]
            assert (await tokens.check(revoked)).accepted  # kept: nothing said otherwise yet
            # Any request with the token that the Hub answers 401: here a space's metadata.
            spaces = await discovery.get_spaces(["acme/anything"], token=revoked)
            assert spaces[0].error is not None and spaces[0].error.status == 401
            assert not (await tokens.check(revoked)).accepted
    finally:
        hub.revoked_tokens.discard(revoked)
