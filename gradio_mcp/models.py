"""Plain data the library hands out: space metadata, endpoint schemas and discovery results.

Everything here is immutable and JSON-friendly (`to_dict`), so results can be cached,
shared between requests and printed without surprises. A server keeps thousands of these:
they have slots (no per-instance dict), and equal parameter and return schemas are one
shared object (`_sharing`), which nobody may change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, cast

from gradio_mcp._sharing import shared_json, shared_text
from gradio_mcp.errors import SpaceError

# In a file path (`Parameter.file_paths`): every item of a list, or value of a mapping.
ANY_ITEM = "*"


def _share_texts(model: object, *names: str) -> None:
    """Make these fields of a (frozen) model the shared copies of their texts."""
    for name in names:
        object.__setattr__(model, name, shared_text(getattr(model, name)))


class _Data:
    """Plain data: `to_dict()` gives it as JSON-friendly dicts and lists."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(cast(Any, self))


def _share_schema(model: Parameter | Return, *texts: str) -> None:
    """Share an input's or output's schema and texts; a plain file kind (for schemas built
    by hand) gets the file paths it stands for."""
    object.__setattr__(model, "schema", shared_json(model.schema))
    _share_texts(model, *texts)
    if model.file and not model.file_paths:
        paths = {"single": ((),), "list": ((ANY_ITEM,),)}.get(model.file, ())
        object.__setattr__(model, "file_paths", paths)


@dataclass(frozen=True, slots=True)
class SpaceMetadata(_Data):
    """What the Hub says about a space (`GET /api/spaces/{id}`)."""

    id: str
    private: bool
    sdk: str | None
    subdomain: str | None
    host: str | None
    revision: str | None = None
    runtime_stage: str | None = None
    title: str | None = None
    emoji: str | None = None

    def __post_init__(self) -> None:
        _share_texts(self, "sdk", "runtime_stage")

    @property
    def url(self) -> str | None:
        """The space's base URL: the Hub's `host`, else the one its subdomain implies."""
        if self.host:
            return self.host
        return f"https://{self.subdomain}.hf.space" if self.subdomain else None


@dataclass(frozen=True, slots=True)
class Parameter(_Data):
    """One input of an endpoint, in the order Gradio expects it.

    `schema` is ready for an MCP input schema: Gradio's FileData objects are replaced by a
    URL string wherever they sit. `file` says whether the parameter is one file ("single"),
    a list of files ("list") or a value with files inside ("nested", e.g. a Gallery);
    `file_paths` says where: each path is a series of keys, indexes, or "*" for every item
    of a list (or value of a mapping). `default` is Gradio's own value (FileData for files).
    """

    name: str
    schema: dict[str, Any]
    required: bool
    has_default: bool = False
    default: Any = None
    description: str | None = None
    label: str | None = None
    component: str | None = None
    file: str | None = None  # None, "single", "list" or "nested"
    file_paths: tuple[tuple[str | int, ...], ...] = ()

    def __post_init__(self) -> None:
        _share_schema(self, "name", "label", "component")


@dataclass(frozen=True, slots=True)
class Return(_Data):
    """One output of an endpoint as `/gradio_api/info` lists it (State outputs left out)."""

    label: str | None
    component: str | None
    schema: dict[str, Any]
    file: str | None = None
    file_paths: tuple[tuple[str | int, ...], ...] = ()

    def __post_init__(self) -> None:
        _share_schema(self, "label", "component")


@dataclass(frozen=True, slots=True)
class Endpoint(_Data):
    """A public Gradio endpoint and what a call to it needs.

    `input_layout` lists the dependency's inputs in order: the index of the API parameter
    that fills each slot, or None for a State slot that must be sent as null.
    `output_keep` lists the positions of the raw output list that are real outputs
    (State outputs are dropped).
    """

    api_name: str  # without the leading slash
    description: str
    parameters: tuple[Parameter, ...]
    returns: tuple[Return, ...]
    fn_index: int | None = None
    generator: bool = False
    queue: bool = True
    input_layout: tuple[int | None, ...] | None = None
    output_keep: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        _share_texts(self, "api_name")


@dataclass(frozen=True, slots=True)
class SpaceSchema(_Data):
    """Everything discovered from the space itself."""

    endpoints: tuple[Endpoint, ...]
    gradio_version: str | None = None
    mcp_server: bool = False
    max_file_size: int | None = None
    api_prefix: str = "/gradio_api"  # "" on Gradio 4 and earlier
    sources: tuple[str, ...] = ()  # which documents it was built from: info, config, mcp_schema
    # The queue protocol /config names ("sse", "sse_v1", "sse_v2", "sse_v2.1", "sse_v3"; "ws"
    # for Gradio 3's websocket queue, which names none); None when /config was not read.
    protocol: str | None = None

    def __post_init__(self) -> None:
        _share_texts(self, "gradio_version", "api_prefix", "protocol")


@dataclass(frozen=True, slots=True)
class Timings:
    """Milliseconds spent per phase for one space (0 when served from cache)."""

    metadata_ms: float = 0.0
    schema_ms: float = 0.0
    total_ms: float = 0.0
    metadata_cache: str = ""  # hit, stale, miss, revalidated, negative, private
    schema_cache: str = ""


@dataclass(frozen=True, slots=True)
class GradioSpace:
    """The discovery result for one requested space id: metadata and endpoints, or an error."""

    id: str
    metadata: SpaceMetadata | None = None
    schema: SpaceSchema | None = None
    error: SpaceError | None = None
    timings: Timings = field(default_factory=Timings)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        return self.schema.endpoints if self.schema else ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ok": self.ok,
            "metadata": self.metadata.to_dict() if self.metadata else None,
            "schema": self.schema.to_dict() if self.schema else None,
            "error": self.error.to_dict() if self.error else None,
            "timings": asdict(self.timings),
        }
