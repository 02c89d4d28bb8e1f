"""The space's failures in words a caller can act on.

Gradio reports failures in many shapes: `gr.Error` events with a title, `{"error": null}`
when the app hides its errors, HTTP 422 with one verdict per parameter from a validator,
HTTP 503 when the queue is full, and ZeroGPU quota errors whose text carries HTML links.
Each becomes a `CallError` with plain text, and the ones a caller can do something about
say what. Pure.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from gradio_mcp.errors import CallError

# Gradio's text for `{"error": null}` is nothing at all; say why instead.
HIDDEN_ERROR_MESSAGE = (
    "The space raised an exception but does not share error details "
    "(it was launched with show_error=False). Check the inputs, or the space's logs."
)
QUEUE_FULL_ADVICE = "The space's queue is full; try again in a moment."
ZEROGPU_ADVICE_ANONYMOUS = (
    "Calls without a Hugging Face token share a small anonymous GPU quota: send your token"
    " (Authorization: Bearer hf_...) to use your own, or try again later."
)
ZEROGPU_ADVICE_WITH_TOKEN = (
    "Your ZeroGPU quota on Hugging Face is used up for now: try again when the quota resets"
    " (see the time above), or use a space on dedicated hardware."
)
MAX_MESSAGE_CHARS = 2000
MAX_VALIDATION_LINES = 50

_LINK = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"']*)["'][^>]*>(.*?)</a\s*>""", re.I | re.S)
_BREAK = re.compile(r"<\s*(br|/p|/div|/li)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]{0,500}>")
_QUOTA = re.compile(r"exceeded your (\w+ )?(zero)?gpu quota|zerogpu quota", re.I)


def plain_text(text: str) -> str:
    """Text without HTML: links become "text (url)", tags go, entities are decoded."""
    text = text[: MAX_MESSAGE_CHARS * 4]

    def link(match: re.Match[str]) -> str:
        label, href = _TAG.sub("", match.group(2)).strip(), match.group(1).strip()
        return f"{label} ({href})" if label and href and href != label else label or href

    text = _LINK.sub(link, text)
    text = _BREAK.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(line for line in lines if line).strip()
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def error_from_payload(
    payload: Any, title: Any = None, *, authenticated: bool = False
) -> CallError:
    """`event: error` data or a failed `process_completed` output, in all their shapes."""
    if isinstance(payload, Mapping):
        message = payload.get("error")
        title = payload.get("title") or title
    else:
        message = payload
    title_text = plain_text(str(title)) if title else "Error"
    if message is None or message == "":
        return CallError(title_text, HIDDEN_ERROR_MESSAGE)
    if isinstance(message, str) and message.strip() == "404: Not Found":
        return CallError(
            title_text,
            "The space no longer knows this job (404); it may have restarted. Try again.",
            404,
        )
    text = plain_text(str(message))
    if _QUOTA.search(title_text) or _QUOTA.search(text):
        advice = ZEROGPU_ADVICE_WITH_TOKEN if authenticated else ZEROGPU_ADVICE_ANONYMOUS
        text = f"{text}\n{advice}"
    return CallError(title_text, text)


def validation_message(detail: Any) -> str | None:
    """Gradio's 422 verdicts (`gr.validate` per parameter) as gradio_client words them:
    "1 parameter(s) failed validation:\\n- age: Age must be at least 3"."""
    if not isinstance(detail, list):
        return None
    lines = []
    for index, verdict in enumerate(detail):
        if not isinstance(verdict, Mapping) or verdict.get("__type__") != "validate":
            continue
        if verdict.get("is_valid") is not False:
            continue  # passing parameters still carry their message
        name = verdict.get("parameter_name") or f"parameter_{index}"
        lines.append(f"- {plain_text(str(name))}: {plain_text(str(verdict.get('message') or ''))}")
    if not lines:
        return None
    shown = lines[:MAX_VALIDATION_LINES]
    return "\n".join([f"{len(lines)} parameter(s) failed validation:", *shown])


def error_from_status(status: int, body: Any, what: str, excerpt: str) -> CallError:
    """A call request Gradio refused with an HTTP status (`body` is its JSON, if any)."""
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if status == 422:
        message = validation_message(detail)
        if message:
            return CallError("Validation error", message, status)
    if status == 503:
        text = plain_text(detail) if isinstance(detail, str) else ""
        if "queue is full" in text.lower():
            return CallError("Queue full", f"{QUEUE_FULL_ADVICE} ({text})", status)
        return CallError(
            "Space unavailable",
            f"{what} failed with status 503"
            + (f": {text or excerpt}" if text or excerpt else "")
            + ". The space may be starting, sleeping or overloaded; try again in a moment.",
            status,
        )
    if isinstance(detail, str) and detail:
        return CallError(f"HTTP {status}", f"{what} failed: {plain_text(detail)}", status)
    return CallError(
        f"HTTP {status}",
        f"{what} failed with status {status}" + (f": {excerpt}" if excerpt else ""),
        status,
    )
