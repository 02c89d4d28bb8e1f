"""Space metadata from the Hub: `GET {HF_ENDPOINT}/api/spaces/{id}`, revalidated by ETag.

`fetch_space_metadata` is one request, with every failure mapped to a `SpaceError` that says
what to do; `parse_space_metadata` reads the JSON answer. Caching is the caller's business.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import httpx2

from gradio_mcp.discovery._cache import Entry, Fetched
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import SpaceMetadata


def parse_space_metadata(space_id: str, payload: Any) -> SpaceMetadata:
    """SpaceMetadata from the Hub's `/api/spaces/{id}` JSON."""
    if not isinstance(payload, Mapping):
        raise SpaceError(
            ErrorKind.BAD_PAYLOAD, "the Hub's space info is not a JSON object", phase="metadata"
        )
    runtime = payload.get("runtime")
    card = payload.get("cardData")
    card = card if isinstance(card, Mapping) else {}
    subdomain = payload.get("subdomain")
    host = payload.get("host")
    return SpaceMetadata(
        id=str(payload.get("id") or space_id),
        private=bool(payload.get("private", False)),
        sdk=payload.get("sdk") if isinstance(payload.get("sdk"), str) else card.get("sdk"),
        subdomain=subdomain if isinstance(subdomain, str) and subdomain else None,
        host=host.rstrip("/") if isinstance(host, str) and host else None,
        revision=payload.get("sha") if isinstance(payload.get("sha"), str) else None,
        runtime_stage=runtime.get("stage") if isinstance(runtime, Mapping) else None,
        title=card.get("title") if isinstance(card.get("title"), str) else None,
        emoji=card.get("emoji") if isinstance(card.get("emoji"), str) else None,
    )


def hub_status_error(space_id: str, response: httpx2.Response, token: str | None) -> SpaceError:
    """The SpaceError for a Hub answer other than 200 or 304."""
    status = response.status_code
    if status in (401, 404):
        hint = (
            "check the id, or that the token can read it"
            if token
            else "check the id; a private space also needs a token"
        )
        return SpaceError(
            ErrorKind.NOT_FOUND,
            f"space {space_id} not found on the Hub ({status}): {hint}",
            status=status,
            phase="metadata",
        )
    if status == 403:
        return SpaceError(
            ErrorKind.UNAUTHORIZED,
            f"the Hub refused access to {space_id} (403): the token lacks read access",
            status=status,
            phase="metadata",
        )
    return SpaceError(
        ErrorKind.UPSTREAM_STATUS,
        f"the Hub answered {status} for {space_id}",
        status=status,
        phase="metadata",
    )


async def fetch_space_metadata(
    client: httpx2.AsyncClient,
    hub_url: str,
    space_id: str,
    token: str | None,
    previous: Entry[SpaceMetadata] | None,
    *,
    timeout: float,
    slots: asyncio.Semaphore,
) -> Fetched[SpaceMetadata]:
    """One Hub request for a space, conditional on `previous`'s ETag when there is one.

    A private space's answer is marked not to be stored. `slots` bounds Hub requests in
    flight (a sliding window shared by every space).
    """
    url = f"{hub_url.rstrip('/')}/api/spaces/{space_id}"
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if previous is not None and previous.etag:
        headers["If-None-Match"] = previous.etag
    try:
        async with slots, asyncio.timeout(timeout):
            response = await client.get(url, headers=headers, timeout=timeout)
    except (TimeoutError, httpx2.TimeoutException):
        raise SpaceError(
            ErrorKind.TIMEOUT,
            f"the Hub did not answer for {space_id} within {timeout:g} s",
            phase="metadata",
        ) from None
    except httpx2.HTTPError as exc:
        raise SpaceError(
            ErrorKind.CONNECTION,
            f"cannot reach the Hub at {hub_url}: {type(exc).__name__}",
            phase="metadata",
        ) from None
    if response.status_code == 304 and previous is not None:
        return Fetched(previous.value, etag=previous.etag, not_modified=True)
    if response.status_code != 200:
        raise hub_status_error(space_id, response, token)
    try:
        payload = response.json()
    except ValueError:
        raise SpaceError(
            ErrorKind.BAD_PAYLOAD, "the Hub's space info is not JSON", phase="metadata"
        ) from None
    metadata = parse_space_metadata(space_id, payload)
    return Fetched(metadata, etag=response.headers.get("etag"), store=not metadata.private)
