"""Space ids: parsing, validation, lists, and the subdomain the Hub gives a space. Pure."""

from __future__ import annotations

import re

from gradio_mcp.errors import ErrorKind, SpaceError

_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?"
# Always used with fullmatch: `$` would also match before a trailing newline.
_SPACE_ID = re.compile(rf"{_PART}/{_PART}")
_URL_PREFIX = re.compile(r"(?:https?://[^/\s]+/)?spaces/", re.IGNORECASE)


def normalize_space_id(raw: str) -> str:
    """`owner/name` from an id or a Hub URL; raises SpaceError(INVALID_ID) with advice.

    Only spaces around the id are forgiven; any other character (a newline, a control
    character) makes it invalid, so it never reaches a URL or a log line."""
    text = raw.strip(" ")
    prefix = _URL_PREFIX.match(text)
    text = text[prefix.end() :] if prefix else text
    text = text.strip("/")
    if not _SPACE_ID.fullmatch(text) or "--" in text or ".." in text:
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
