"""Who is asking, and for which spaces: the token and space ids of one HTTP request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from gradio_mcp._log import get_logger
from gradio_mcp.config import Settings
from gradio_mcp.discovery import parse_space_list

log = get_logger("gradio_mcp.server")

# Query parameters that name spaces per request; `gradio` is the reference server's name.
SPACE_PARAMS = ("gradio", "spaces")


class HttpRequest(Protocol):
    """What serving reads of an HTTP request (a starlette `Request` is one): its headers and
    its query, both case as the transport gives them."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def query_params(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class Caller:
    """Who is asking and for which spaces, as read from one HTTP request."""

    token: str | None
    space_ids: tuple[str, ...]
    ip_token: str | None = None
    token_lent: bool = False  # `token` is the server's own, lent to a caller who sent none

    @property
    def own_token(self) -> str | None:
        """The token the caller sent (None for an anonymous caller): who they are."""
        return None if self.token_lent else self.token


def read_caller(
    request: HttpRequest | None, settings: Settings, server_token: str | None = None
) -> Caller:
    """Token and space ids for one request (configured spaces plus `?gradio=`)."""
    configured = list(settings.spaces)
    token = ip_token = None
    if request is not None:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and auth[7:].strip():
            token = auth[7:].strip()
        ip_token = request.headers.get("x-ip-token")
        for param in SPACE_PARAMS:
            value = request.query_params.get(param)
            if value is None:
                continue
            if value.strip().lower() == "none":
                configured = []
                break
            configured.extend(parse_space_list(value))
    lent = token is None and settings.lend_server_token and server_token is not None
    if lent:
        token = server_token
    unique = tuple(dict.fromkeys(configured))
    if len(unique) > settings.max_spaces:
        # Each space costs upstream requests; one caller must not make us fetch hundreds.
        log.warning("too_many_spaces", asked=len(unique), served=settings.max_spaces)
        unique = unique[: settings.max_spaces]
    return Caller(token=token, space_ids=unique, ip_token=ip_token, token_lent=lent)
