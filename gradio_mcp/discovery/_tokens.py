"""Does the Hub accept this token? `GET {HF_ENDPOINT}/api/whoami-v2`, remembered briefly.

The verdict is cached by a one-way fingerprint of the token (sha256, never the token) for
`GRADIO_MCP_AUTH_CACHE_TTL`, so a burst of requests costs the Hub one question. A rejected
token is an answer and is remembered like an accepted one; a Hub that cannot be asked is
`HubError`, remembered for a few seconds only. An expired verdict is never served, not
while a new one is fetched and not when the Hub cannot be asked: a revoked token stops
working one TTL later at most, and nobody is let in on an old answer during an outage.
Sooner when the Hub says so: its 401 to any other request with the token (space metadata,
the space search) drops the verdict at once. Only an answer shaped like an account lets a
token in; a 200 with anything else is `HubError` ("cannot verify").
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gradio_mcp.discovery._cache import Entry, FetchCache, Fetched
from gradio_mcp.discovery._engine import Discovery
from gradio_mcp.discovery._hub_errors import hub_errors
from gradio_mcp.errors import ErrorKind, HubError
from gradio_mcp.net import ReadLimitError, loads_json, read_body

_MAX_USER_CHARS = 96
_ACCOUNT_TYPES = ("user", "org")


@dataclass(frozen=True)
class TokenVerdict:
    """What the Hub said about a token: accepted or not, and whose it is."""

    accepted: bool
    user: str | None = None


def token_key(token: str) -> str:
    """The full sha256 of a token: a cache key that cannot be turned back into it."""
    return hashlib.sha256(token.encode()).hexdigest()


def _check_error(_kind: ErrorKind, message: str) -> HubError:
    return HubError(message)


async def ask_hub(discovery: Discovery, token: str, *, timeout: float) -> TokenVerdict:
    """One whoami request: 200 accepted, 401/403 rejected; anything else is HubError."""
    hub_url = discovery.settings.hf_endpoint.rstrip("/")
    headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
    limits = discovery.limits
    with hub_errors(
        _check_error,
        timed_out=f"the Hub did not answer a token check within {timeout:g} s",
        too_big="the Hub's answer to a token check is too big",
        unreachable=f"cannot reach the Hub at {hub_url}",
    ):
        async with (
            asyncio.timeout(timeout),
            discovery.client.stream(
                "GET", f"{hub_url}/api/whoami-v2", headers=headers, timeout=timeout
            ) as response,
        ):
            if response.status_code in (401, 403):
                return TokenVerdict(accepted=False)
            if response.status_code != 200:
                raise HubError(f"the Hub answered {response.status_code} to a token check")
            body = await read_body(response, limits.hub_bytes, "GRADIO_MCP_MAX_HUB_BYTES")
    try:
        payload = loads_json(body, limits.json_depth)
    except (ValueError, ReadLimitError):
        payload = None
    user = account_name(payload)
    if user is None:
        # An error page or `{"error": ...}` with 200 (a proxy, a captive portal, a Hub
        # having a bad day) says nothing about the token: cannot verify, never "in".
        raise HubError("the Hub's answer to a token check is not a user")
    return TokenVerdict(accepted=True, user=user)


def account_name(payload: object) -> str | None:
    """The account name of a whoami answer shaped like one: a JSON object whose `type` is
    an account's (user, or a legacy organization token's) and whose `name` is a short
    non-empty string; None for anything else."""
    if not isinstance(payload, Mapping) or payload.get("type") not in _ACCOUNT_TYPES:
        return None
    name = payload.get("name")
    if isinstance(name, str) and 0 < len(name) <= _MAX_USER_CHARS and name.strip() == name:
        return name
    return None


class HubTokens:
    """The Hub's verdict on callers' tokens, through one Discovery's client, cached."""

    def __init__(
        self, discovery: Discovery, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.discovery = discovery
        settings = discovery.settings
        self.cache: FetchCache[TokenVerdict] = FetchCache(
            "token_checks",
            ttl=settings.auth_cache_ttl_ms / 1000,
            negative_ttl=min(settings.negative_cache_ttl_ms / 1000, 5.0),
            maxsize=settings.cache_max_entries,
            stale_while_revalidate=False,
            clock=clock,
            # Every failure drops the old verdict: no stale-if-error for credentials.
            is_definitive=lambda _exc: True,
        )
        # A 401 from the Hub to any request with a token ends its verdict at once.
        discovery.on_token_refused(self.forget)

    async def forget(self, token: str) -> None:
        """Drop the verdict kept for `token`: the next check asks the Hub."""
        await self.cache.forget(token_key(token))

    async def check(self, token: str) -> TokenVerdict:
        """The Hub's verdict on `token`; HubError when the Hub cannot give one."""
        timeout = self.discovery.settings.space_info_timeout_ms / 1000

        async def fetch(_previous: Entry[TokenVerdict] | None) -> Fetched[TokenVerdict]:
            return Fetched(await ask_hub(self.discovery, token, timeout=timeout))

        verdict, _outcome = await self.cache.get(token_key(token), fetch)
        return verdict

    async def aclose(self) -> None:
        await self.cache.aclose()
