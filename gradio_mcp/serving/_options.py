"""Per-request switches read from the `/mcp` URL: `?dynamic=` (the search, describe and call
tools) and `?no_image_content=` (images as links only), each over its configured default.

`true`, `1`, `yes`, `on` and an empty value (`?no_image_content`) turn a switch on, as the
reference server reads them; `false`, `0`, `no`, `off` turn it off. Anything else leaves
the default and is logged, so a typo never silently changes what a client gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradio_mcp._log import get_logger
from gradio_mcp.config import Settings
from gradio_mcp.serving._caller import HttpRequest

log = get_logger("gradio_mcp.server")

_ON = ("", "1", "true", "yes", "on")
_OFF = ("0", "false", "no", "off")


@dataclass(frozen=True)
class RequestOptions:
    """What one request asked for beyond its spaces."""

    dynamic: bool = False
    no_image_content: bool = False


def _switch(request: HttpRequest | None, name: str, default: bool) -> bool:
    value = request.query_params.get(name) if request is not None else None
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _ON:
        return True
    if lowered in _OFF:
        return False
    log.warning("bad_query_switch", parameter=name, value=value[:40], used=default)
    return default


def read_options(request: HttpRequest | None, settings: Settings) -> RequestOptions:
    return RequestOptions(
        dynamic=_switch(request, "dynamic", settings.dynamic),
        no_image_content=_switch(request, "no_image_content", False),
    )
