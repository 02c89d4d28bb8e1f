"""Who may receive a caller's Hub token, and one-way names for secrets. Pure functions.

A token goes to the Hub and to space hosts that belong to it (`*.hf.space`) or that the
operator trusts (`GRADIO_MCP_TRUSTED_HOSTS`); never to a host a space's answer made up.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable
from urllib.parse import urlsplit

from gradio_mcp.config import ALWAYS_TRUSTED_HOSTS, Settings


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


class CredentialPolicy:
    """Decides which hosts get the caller's token, for one configuration."""

    def __init__(self, hub_url: str, trusted_hosts: Iterable[str] = ()) -> None:
        self.hub_url = hub_url
        self.trusted = (*ALWAYS_TRUSTED_HOSTS, *trusted_hosts)

    @classmethod
    def from_settings(cls, settings: Settings) -> CredentialPolicy:
        return cls(settings.hf_endpoint, settings.trusted_hosts)

    def may_receive_token(self, url: str) -> bool:
        """The Hub and trusted space hosts may see the caller's token; nothing else may."""
        if host_key(url) == host_key(self.hub_url):
            return True
        return is_trusted_host(url, self.trusted)

    def space_headers(self, url: str, token: str | None) -> dict[str, str]:
        """Auth headers for a request to a space host (empty when the host is not trusted).

        `X-HF-Authorization` is what the Hub's Space proxy expects and strips before the app
        sees the request, so the token never reaches the space's code.
        """
        if token and self.may_receive_token(url):
            return {"X-HF-Authorization": f"Bearer {token}"}
        return {}
