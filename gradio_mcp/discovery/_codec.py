"""Cached values as JSON, and back, strictly: what the shared level stores and reads.

Only plain JSON of our own models is written (never pickle: whoever can write to Redis must
not be able to run code here). Reading back checks every field's type against the model
and refuses anything unexpected, so a stray or hostile value is garbage, never a model.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any, Generic, TypeVar, Union

from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import SpaceMetadata, SpaceSchema

T = TypeVar("T")

# Deeper than any model we store: refuse before walking a hostile value.
MAX_DEPTH = 64


class GarbageError(ValueError):
    """A stored value that is not what we wrote."""


def encode_model(value: Any) -> Any:
    """A model as JSON-ready data (tuples become lists)."""
    return dataclasses.asdict(value)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode_model(cls: type[T], data: Any, depth: int = 0) -> T:
    """`cls` (a dataclass) from JSON data; GarbageError unless every field fits."""
    if not isinstance(data, dict):
        raise GarbageError(f"{cls.__name__}: not an object")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - set(fields)
    if unknown:
        raise GarbageError(f"{cls.__name__}: unexpected fields {sorted(unknown)[:3]}")
    hints = _hints(typing.cast(type, cls))
    values = {}
    for name, field in fields.items():
        if name in data:
            values[name] = _convert(hints[name], data[name], depth + 1)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise GarbageError(f"{cls.__name__}: missing {name}")
    return cls(**values)


def _convert(kind: Any, value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise GarbageError("nested too deeply")
    origin = typing.get_origin(kind)
    if kind is Any:
        return value
    if origin in (Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, value, depth)
            except GarbageError:
                continue
        raise GarbageError(f"{value!r:.40} fits none of {kind}")
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    elif kind is str:
        if isinstance(value, str):
            return value
    elif origin is tuple:
        (item, _ellipsis) = typing.get_args(kind)
        if isinstance(value, list):
            return tuple(_convert(item, v, depth + 1) for v in value)
    elif origin is dict:
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return value
    elif dataclasses.is_dataclass(kind):
        return decode_model(typing.cast(type, kind), value, depth)
    raise GarbageError(f"{value!r:.40} is not a {kind}")


class Codec(Generic[T]):
    """How one cache's keys and values are written: a namespace, key text, value JSON."""

    def __init__(self, namespace: str, model: type[T]) -> None:
        self.namespace = namespace
        self.model = model

    def key_text(self, key: Any) -> str:
        """A cache key as text: parts joined by `|`, None as `-`."""
        parts = key if isinstance(key, tuple) else (key,)
        return "|".join("-" if part is None else str(part) for part in parts)

    def encode(self, value: T) -> Any:
        return encode_model(value)

    def decode(self, data: Any) -> T:
        return decode_model(self.model, data)


METADATA = Codec("metadata", SpaceMetadata)
SCHEMAS = Codec("schemas", SpaceSchema)


def encode_failure(error: Exception) -> dict[str, Any] | None:
    """A SpaceError as JSON; None for anything else (only our own errors are shared)."""
    if not isinstance(error, SpaceError):
        return None
    return error.to_dict()


def decode_failure(data: Any) -> SpaceError:
    if not isinstance(data, dict) or set(data) != {"kind", "message", "status", "phase"}:
        raise GarbageError("failure: not a SpaceError object")
    kind, message, status, phase = data["kind"], data["message"], data["status"], data["phase"]
    if kind not in {k.value for k in ErrorKind} or not isinstance(message, str):
        raise GarbageError("failure: unknown kind or no message")
    if not (status is None or (isinstance(status, int) and not isinstance(status, bool))):
        raise GarbageError("failure: status is not a number")
    if not isinstance(phase, str):
        raise GarbageError("failure: phase is not text")
    return SpaceError(ErrorKind(kind), message, status=status, phase=phase)
