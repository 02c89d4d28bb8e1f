"""What a call gives back: output values with their files.

Pure functions over Gradio's payloads: State outputs dropped, update dicts unwrapped, and
FileData recognised wherever it sits (gallery items, chat messages, editor layers), by
Gradio's own test for a file object, with everything around it kept.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from gradio_client.utils import is_file_obj_with_meta, traverse

from gradio_mcp.errors import CallError
from gradio_mcp.models import Endpoint, Return

# mimetypes' legacy names that MCP clients do not recognise as audio they can play.
_MIME_FIXES = {"audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac"}


@dataclass(frozen=True)
class FileRef:
    """A file the space produced, reachable at `url` (with the same auth headers)."""

    url: str
    orig_name: str | None
    mime_type: str | None
    size: int | None = None
    path: str | None = None


_UNSET: Any = object()


@dataclass(frozen=True)
class OutputValue:
    """One real output (State dropped): its value, what /info says of it, and its files.

    `value` is Gradio's value (an update dict unwrapped to its value); `data` is the same
    with each FileData object replaced by its `FileRef`, every other part kept (captions,
    labels, chat messages). `file` is set when the whole output is one file; `files` lists
    every file in the output, in order.
    """

    value: Any
    returns: Return | None = None
    file: FileRef | None = None
    files: tuple[FileRef, ...] = ()
    data: Any = _UNSET

    def __post_init__(self) -> None:
        if self.data is _UNSET:  # built by hand: the file, else the value as it is
            object.__setattr__(self, "data", self.file if self.file is not None else self.value)
        if self.file is not None and not self.files:
            object.__setattr__(self, "files", (self.file,))


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


def _file_ref(
    value: Mapping[str, Any], files_base: str, rewrite_url: Callable[[str], str] | None = None
) -> FileRef:
    path = value.get("path")
    url = str(value.get("url") or f"{files_base}/file={path}")
    if rewrite_url is not None:
        url = rewrite_url(url)
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


def unwrap_update(value: Any) -> Any:
    """The value in a component update (`{"__type__": "update", ...}`), None if it has none.

    A function that returns `gr.Dropdown(choices=...)` or `gr.update(...)` sends its new
    properties; only `value` is what the output holds."""
    if isinstance(value, dict) and value.get("__type__") == "update":
        return value.get("value")
    return value


def _with_file_refs(
    value: Any, files_base: str, rewrite_url: Callable[[str], str] | None
) -> tuple[Any, list[FileRef]]:
    found: list[FileRef] = []

    def to_ref(file_data: Mapping[str, Any]) -> FileRef:
        ref = _file_ref(file_data, files_base, rewrite_url)
        found.append(ref)
        return ref

    return traverse(value, to_ref, _is_file_data), found


def output_values(
    endpoint: Endpoint,
    raw: Any,
    files_base: str,
    rewrite_url: Callable[[str], str] | None = None,
) -> list[OutputValue]:
    """The real outputs of a call's raw `data`; `rewrite_url` maps each file's URL (to pin
    it to the replica that holds the file)."""
    data = raw if isinstance(raw, list) else [raw]
    keep = endpoint.output_keep
    kept = data if keep is None else [data[i] for i in keep if i < len(data)]
    outputs: list[OutputValue] = []
    for i, raw_value in enumerate(kept):
        ret = endpoint.returns[i] if i < len(endpoint.returns) else None
        value = unwrap_update(raw_value)
        with_refs, files = _with_file_refs(value, files_base, rewrite_url)
        single = with_refs if isinstance(with_refs, FileRef) else None
        outputs.append(OutputValue(value, ret, single, tuple(files), with_refs))
    return outputs
