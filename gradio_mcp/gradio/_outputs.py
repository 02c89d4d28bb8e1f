"""What a call gives back: output values with their files, and the space's errors.

Pure functions over Gradio's payloads: State outputs dropped, FileData recognised (also
nested, as in gallery items), every shape of Gradio's error events read into a `CallError`.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from gradio_client.utils import is_file_obj_with_meta

from gradio_mcp.models import Endpoint, Return

# mimetypes' legacy names that MCP clients do not recognise as audio they can play.
_MIME_FIXES = {"audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac"}
# Gradio's text for `{"error": null}` is nothing at all; say why instead.
HIDDEN_ERROR_MESSAGE = (
    "The space raised an exception but does not share error details "
    "(it was launched with show_error=False). Check the inputs, or the space's logs."
)


@dataclass(frozen=True)
class FileRef:
    """A file the space produced, reachable at `url` (with the same auth headers)."""

    url: str
    orig_name: str | None
    mime_type: str | None
    size: int | None = None
    path: str | None = None


@dataclass(frozen=True)
class OutputValue:
    """One real output (State dropped): the raw value, what /info says of it, its file(s)."""

    value: Any
    returns: Return | None = None
    file: FileRef | None = None
    files: tuple[FileRef, ...] = ()  # galleries and multi-file outputs


@dataclass(frozen=True)
class CallError:
    title: str
    message: str
    status: int | None = None

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


@dataclass
class CallOutcome:
    outputs: list[OutputValue] = field(default_factory=list)
    error: CallError | None = None
    duration_ms: float = 0.0
    progress_events: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


def _is_file_data(value: Any) -> bool:
    # gradio_client knows the current FileData shape; Gradio 4 outputs carry no `meta`,
    # only `path` and `url`.
    if is_file_obj_with_meta(value):
        return True
    return isinstance(value, dict) and "path" in value and "url" in value


def _file_ref(value: Mapping[str, Any], files_base: str) -> FileRef:
    path = value.get("path")
    url = value.get("url") or f"{files_base}/file={path}"
    name = value.get("orig_name") or PurePosixPath(str(path or url)).name or None
    mime = value.get("mime_type") or (mimetypes.guess_type(name)[0] if name else None)
    mime = _MIME_FIXES.get(mime, mime) if mime else None
    size = value.get("size")
    return FileRef(
        url=str(url),
        orig_name=name,
        mime_type=mime,
        size=size if isinstance(size, int) else None,
        path=str(path) if path is not None else None,
    )


def _nested_file(value: Any) -> Any:
    # Gallery items are {"image": FileData, "caption": ...}; older videos {"video": FileData}.
    if isinstance(value, dict) and not _is_file_data(value):
        for key in ("image", "video", "file"):
            if _is_file_data(value.get(key)):
                return value[key]
    return value


def output_values(endpoint: Endpoint, raw: Any, files_base: str) -> list[OutputValue]:
    data = raw if isinstance(raw, list) else [raw]
    keep = endpoint.output_keep
    kept = data if keep is None else [data[i] for i in keep if i < len(data)]
    outputs: list[OutputValue] = []
    for i, value in enumerate(kept):
        ret = endpoint.returns[i] if i < len(endpoint.returns) else None
        single = _nested_file(value)
        if _is_file_data(single):
            outputs.append(OutputValue(value, ret, file=_file_ref(single, files_base)))
            continue
        files: tuple[FileRef, ...] = ()
        if isinstance(value, list) and value:
            items = [_nested_file(v) for v in value]
            if all(_is_file_data(v) for v in items):
                files = tuple(_file_ref(v, files_base) for v in items)
        outputs.append(OutputValue(value, ret, files=files))
    return outputs


def error_from_payload(payload: Any, title: Any = None) -> CallError:
    """`event: error` data or a failed `process_completed` output, in all their shapes."""
    if isinstance(payload, dict):
        message = payload.get("error")
        title = payload.get("title") or title
    else:
        message = payload
    title_text = str(title) if title else "Error"
    if message is None or message == "":
        return CallError(title_text, HIDDEN_ERROR_MESSAGE)
    if isinstance(message, str) and message.strip() == "404: Not Found":
        return CallError(
            title_text,
            "The space no longer knows this job (404); it may have restarted. Try again.",
            404,
        )
    return CallError(title_text, str(message))
