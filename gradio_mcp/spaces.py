"""Space ids, hosts and the question of who may receive a token. Pure functions."""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from gradio_mcp.models import ErrorKind, SpaceError

_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
_SPACE_ID = re.compile(rf"^{_PART}/{_PART}$")
_URL_PREFIX = re.compile(r"^(?:https?://[^/]+/)?spaces/", re.IGNORECASE)


def normalize_space_id(raw: str) -> str:
    """`owner/name` from an id or a Hub URL; raises SpaceError(INVALID_ID) with advice."""
    text = _URL_PREFIX.sub("", raw.strip()).strip("/")
    if not _SPACE_ID.match(text) or "--" in text or ".." in text:
        raise SpaceError(
            ErrorKind.INVALID_ID,
            f"{raw!r} is not a space id: expected 'owner/name' made of letters, digits,"
            " '-', '_' and '.'",
        )
    return text


def parse_space_list(text: str) -> list[str]:
    """Split a comma list of ids (as `?gradio=` takes it); `none` and blanks are dropped."""
    return [item.strip() for item in text.split(",") if item.strip() and item.strip() != "none"]


def predict_subdomain(space_id: str) -> str:
    """The subdomain the Hub gives a space: `owner-name`, lowercased, `_` and `.` as `-`."""
    return re.sub(r"[^a-z0-9-]", "-", space_id.replace("/", "-").lower())


def host_key(url: str) -> tuple[str, str]:
    """(`host`, `host:port`) of a URL, lowercased, for matching against trusted patterns."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return host, f"{host}:{port}"


def is_trusted_host(url: str, patterns: Iterable[str]) -> bool:
    """Whether a URL's host matches one of the patterns (`*.hf.space`, `127.0.0.1:*`)."""
    host, host_port = host_key(url)
    if not host:
        return False
    for pattern in patterns:
        pattern = pattern.lower()
        if fnmatch.fnmatchcase(host_port if ":" in pattern else host, pattern):
            return True
    return False


def fingerprint(text: str) -> str:
    """A short one-way name for a secret or private string, fit for a dictionary key."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def token_fingerprint(token: str | None) -> str | None:
    """Keys in-flight fetches by token without keeping the token."""
    return fingerprint(token) if token else None
