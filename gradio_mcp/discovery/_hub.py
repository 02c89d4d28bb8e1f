"""Space metadata from the Hub: `GET {HF_ENDPOINT}/api/spaces/{id}`, revalidated by ETag.

`fetch_space_metadata` is one request, read within `GRADIO_MCP_MAX_HUB_BYTES` and
`MAX_JSON_DEPTH`, with every failure mapped to a `SpaceError` that says what to
do; `parse_space_metadata` reads the JSON answer. The answer decides which host we connect
to next, so its `host` and `subdomain` are checked before anything uses them: an http(s)
origin (no credentials, path, query or fragment) whose address, when it is one, the egress
policy allows, and a DNS label. Caching is the caller's business.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2

from gradio_mcp.discovery._cache import Entry, Fetched
from gradio_mcp.discovery._hub_errors import hub_errors
from gradio_mcp.errors import ErrorKind, SpaceError, space_boundary
from gradio_mcp.models import SpaceMetadata
from gradio_mcp.net import (
    DEFAULT_LIMITS,
    Answer,
    DocumentClient,
    EgressPolicy,
    EgressRefusedError,
    ReadLimitError,
    ReadLimits,
    as_documents,
    loads_json,
)

HUB_SETTING = "GRADIO_MCP_MAX_HUB_BYTES"

_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}")
# scheme://authority, optionally with a bare "/" after it: nothing that could carry
# credentials (@), a path, a query, a fragment, a backslash or white space.
_ORIGIN = re.compile(r"https?://[^\s/?#@\\]+/?", re.IGNORECASE)


@dataclass(frozen=True)
class HubAccess:
    """How discovery asks the Hub: through which client, at which address, within which
    time per request, in which shared window of requests in flight, read within which
    caps, and connecting only where the egress policy allows (checked on the hosts the Hub
    gives). `answered` hears how many seconds each answer took once its request had a slot."""

    client: httpx2.AsyncClient | DocumentClient
    hub_url: str
    timeout: float
    slots: asyncio.Semaphore
    limits: ReadLimits = DEFAULT_LIMITS
    egress: EgressPolicy | None = None
    answered: Callable[[float], None] | None = None


def _bad(message: str) -> SpaceError:
    return SpaceError(ErrorKind.BAD_PAYLOAD, message, phase="metadata")


def _metadata_error(kind: ErrorKind, message: str) -> SpaceError:
    return SpaceError(kind, message, phase="metadata")


def checked_subdomain(space_id: str, value: Any) -> str | None:
    """The Hub's `subdomain` when it is one DNS label; BAD_PAYLOAD otherwise."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _LABEL.fullmatch(value):
        raise _bad(f"the Hub gave {space_id} the subdomain {value!r:.80}, not a DNS label")
    return value


def checked_host(space_id: str, value: Any, egress: EgressPolicy | None) -> str | None:
    """The Hub's `host` when it is an http(s) origin we may connect to; BAD_PAYLOAD otherwise.

    A host name is checked again, on the address it resolves to, when we connect; an IP
    address is checked here, so a refused one never gets as far as a connection attempt.
    """
    if value is None or value == "":
        return None
    shown = f"{value!r:.100}"
    if not isinstance(value, str) or not _ORIGIN.fullmatch(value):
        raise _bad(f"the Hub gave {space_id} the host {shown}, not an http(s) origin")
    parts = urlsplit(value)
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise _bad(f"the Hub gave {space_id} the host {shown}, with a bad port") from None
    name = parts.hostname or ""
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is None:
        labels = name.rstrip(".").split(".")
        if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
            raise _bad(f"the Hub gave {space_id} the host {shown}, not a valid host name")
    elif egress is not None and not egress.is_always_reachable(name, port):
        why = egress.refusal(address)
        if why is not None:
            refused = EgressRefusedError(name, port, [(str(address), why)])
            raise SpaceError(
                ErrorKind.EGRESS_REFUSED,
                f"the Hub gave {space_id} the host {shown}: {refused}",
                phase="metadata",
            )
    return value.rstrip("/")


def parse_space_metadata(
    space_id: str, payload: Any, egress: EgressPolicy | None = None
) -> SpaceMetadata:
    """SpaceMetadata from the Hub's `/api/spaces/{id}` JSON, its host and subdomain checked.
    Whatever the answer holds, this returns or raises a `SpaceError`."""
    with space_boundary(f"cannot read the Hub's answer for {space_id}", phase="metadata"):
        return _parse_space_metadata(space_id, payload, egress)


def _parse_space_metadata(
    space_id: str, payload: Any, egress: EgressPolicy | None
) -> SpaceMetadata:
    if not isinstance(payload, Mapping):
        raise _bad("the Hub's space info is not a JSON object")
    runtime = payload.get("runtime")
    card = payload.get("cardData")
    card = card if isinstance(card, Mapping) else {}
    return SpaceMetadata(
        id=_text(payload.get("id")) or space_id,
        private=bool(payload.get("private", False)),
        sdk=_text(payload.get("sdk")) or _text(card.get("sdk")),
        subdomain=checked_subdomain(space_id, payload.get("subdomain")),
        host=checked_host(space_id, payload.get("host"), egress),
        revision=_text(payload.get("sha")),
        runtime_stage=_text(runtime.get("stage")) if isinstance(runtime, Mapping) else None,
        title=_text(card.get("title")),
        emoji=_text(card.get("emoji")),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A `Retry-After` header in seconds from now: delta-seconds or an HTTP date (RFC 9110);
    None when absent or unreadable. Bounding it is the caller's business."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text[:12]))  # no more than a few thousand years of digits
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def hub_status_error(
    space_id: str, status: int, token: str | None, retry_after: float | None = None
) -> SpaceError:
    """The SpaceError for a Hub answer other than 200 or 304.

    The Hub hides a private space: 401 without a token and 404 with one that cannot read it
    both read as "not found". A 401 *with* a token means the token itself was refused
    (invalid, expired or revoked): that is said, not hidden behind "not found"."""
    if status == 401 and token:
        return SpaceError(
            ErrorKind.UNAUTHORIZED,
            f"the Hub refused the token while looking up {space_id} (401): the token is"
            " invalid or expired; create a new one or sign in again",
            status=status,
            phase="metadata",
        )
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
    wait = f"; it asked to wait {retry_after:g} s" if retry_after is not None else ""
    return SpaceError(
        ErrorKind.UPSTREAM_STATUS,
        f"the Hub answered {status} for {space_id}{wait}",
        status=status,
        phase="metadata",
        retry_after=retry_after,
    )


def _read_answer(
    answer: Answer,
    space_id: str,
    token: str | None,
    previous: Entry[SpaceMetadata] | None,
    limits: ReadLimits,
) -> tuple[Any, bool]:
    """(parsed JSON, False), or (None, True) for a 304 that renews `previous`."""
    if answer.status == 304 and previous is not None:
        return None, True
    if answer.status != 200:
        status = answer.status
        # Only a rate limit or an outage says when to come back; elsewhere it means nothing.
        wait = (
            retry_after_seconds(answer.headers.get("retry-after")) if status in (429, 503) else None
        )
        raise hub_status_error(space_id, status, token, wait)
    try:
        return loads_json(answer.body, limits.json_depth), False
    except ReadLimitError as exc:
        raise _bad(f"the Hub's space info for {space_id} is too big: {exc}") from None
    except ValueError:
        raise _bad("the Hub's space info is not JSON") from None


async def fetch_space_metadata(
    hub: HubAccess, space_id: str, token: str | None, previous: Entry[SpaceMetadata] | None
) -> Fetched[SpaceMetadata]:
    """One Hub request for a space, conditional on `previous`'s ETag when there is one.

    A private space's answer is marked not to be stored. `hub.slots` bounds Hub requests in
    flight (a sliding window shared by every space); `hub.timeout` bounds the whole answer,
    body included.
    """
    hub_url, timeout, limits = hub.hub_url, hub.timeout, hub.limits
    url = f"{hub_url.rstrip('/')}/api/spaces/{space_id}"
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if previous is not None and previous.etag:
        headers["If-None-Match"] = previous.etag
    with hub_errors(
        _metadata_error,
        timed_out=f"the Hub did not answer for {space_id} within {timeout:g} s",
        too_big=f"the Hub's space info for {space_id} is too big",
        unreachable=f"cannot reach the Hub at {hub_url}",
        refused="",
    ):
        async with hub.slots, asyncio.timeout(timeout):
            started = time.perf_counter()
            answer = await as_documents(hub.client).get(
                url,
                headers,
                timeout=timeout,
                max_bytes=limits.hub_bytes,
                setting=HUB_SETTING,
                excerpt_bytes=0,
            )
            if hub.answered is not None:
                hub.answered(time.perf_counter() - started)
    payload, not_modified = _read_answer(answer, space_id, token, previous, limits)
    etag = answer.headers.get("etag")
    if not_modified and previous is not None:
        return Fetched(previous.value, etag=previous.etag, not_modified=True)
    metadata = parse_space_metadata(space_id, payload, hub.egress)
    return Fetched(metadata, etag=etag, store=not metadata.private)
