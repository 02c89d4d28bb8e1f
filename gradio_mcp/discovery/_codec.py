"""Cached values as JSON, and back, strictly: what the shared level stores and reads.

Only plain JSON of our own models is written (never pickle: whoever can write to Redis must
not be able to run code here). Reading back checks every field's type against the model
and refuses anything unexpected, so a stray or hostile value is garbage, never a model.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, Generic, TypeVar, Union

from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.errors import GarbageError as GarbageError  # its home is errors.py
from gradio_mcp.models import SpaceMetadata, SpaceSchema

T = TypeVar("T")

# Deeper than any model we store: refuse before walking a hostile value.
MAX_DEPTH = 64


def encode_model(value: Any) -> Any:
    """A model as JSON-ready data (tuples become lists)."""
    return dataclasses.asdict(value)


Converter = Callable[[Any, int], Any]


def decode_model(cls: type[T], data: Any) -> T:
    """`cls` (a dataclass) from JSON data; GarbageError unless every field fits."""
    result: T = _converter(typing.cast(Any, cls))(data, 0)
    return result


@cache
def _converter(kind: Any) -> Converter:
    """A function that checks and converts JSON data to `kind`, built once per type."""
    origin = typing.get_origin(kind)
    if kind is Any:
        return lambda value, _depth: value
    if origin in (Union, types.UnionType):
        return _union([_converter(option) for option in typing.get_args(kind)], kind)
    if kind is type(None):
        return _exact(type(None), kind)
    if kind in (bool, str):
        return _exact(kind, kind)
    if kind is int:
        return _integer
    if origin is tuple:
        item = _converter(typing.get_args(kind)[0])

        def sequence(value: Any, depth: int) -> Any:
            if not isinstance(value, list) or depth > MAX_DEPTH:
                raise GarbageError(f"not a list of {kind}")
            return tuple(item(v, depth + 1) for v in value)

        return sequence
    if origin is dict:
        return _object
    if dataclasses.is_dataclass(kind):
        return _dataclass(typing.cast(type, kind))
    raise TypeError(f"no JSON converter for {kind}")


def _exact(python_type: type, kind: Any) -> Converter:
    def check(value: Any, _depth: int) -> Any:
        if type(value) is not python_type:
            raise GarbageError(f"not a {kind}")
        return value

    return check


def _integer(value: Any, _depth: int) -> Any:
    if type(value) is not int:
        raise GarbageError("not a whole number")
    return value


def _object(value: Any, depth: int) -> Any:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise GarbageError("not a JSON object")
    if depth > MAX_DEPTH:
        raise GarbageError("nested too deeply")
    return value


def _union(options: list[Converter], kind: Any) -> Converter:
    def first_fitting(value: Any, depth: int) -> Any:
        for option in options:
            try:
                return option(value, depth)
            except GarbageError:
                continue
        raise GarbageError(f"fits none of {kind}")

    return first_fitting


def _dataclass(cls: type) -> Converter:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    converters = {f.name: _converter(hints[f.name]) for f in fields}
    required = {
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }

    def build(value: Any, depth: int) -> Any:
        if not isinstance(value, dict) or depth > MAX_DEPTH:
            raise GarbageError(f"{cls.__name__}: not an object")
        if not required <= value.keys() or not value.keys() <= converters.keys():
            raise GarbageError(f"{cls.__name__}: missing or unexpected fields")
        return cls(**{name: converters[name](v, depth + 1) for name, v in value.items()})

    return build


class Codec(Generic[T]):
    """How one cache's keys and values are written: a namespace, key text, value JSON."""

    def __init__(
        self, namespace: str, model: type[T], owner: Callable[[T], str] | None = None
    ) -> None:
        self.namespace = namespace
        self.model = model
        self._owner = owner  # the space id a value names, when it names one

    def belongs(self, key: Any, value: T) -> bool:
        """Whether `value` is one that may be stored under `key`: a value naming a space
        must name the key's (ids compare without case, as the Hub's do)."""
        if self._owner is None:
            return True
        space_id = key[0] if isinstance(key, tuple) else key
        return isinstance(space_id, str) and self._owner(value).lower() == space_id.lower()

    def key_text(self, key: Any) -> str:
        """A cache key as text: parts joined by `|`, None as `-`."""
        parts = key if isinstance(key, tuple) else (key,)
        return "|".join("-" if part is None else str(part) for part in parts)

    def encode(self, value: T) -> Any:
        return encode_model(value)

    def decode(self, data: Any) -> T:
        return decode_model(self.model, data)


METADATA = Codec("metadata", SpaceMetadata, owner=lambda metadata: metadata.id)
SCHEMAS = Codec("schemas", SpaceSchema)


def encode_failure(error: Exception) -> dict[str, Any] | None:
    """A SpaceError as JSON; None for anything else (only our own errors are shared)."""
    if not isinstance(error, SpaceError):
        return None
    return error.to_dict()


def decode_failure(data: Any) -> SpaceError:
    if not isinstance(data, dict) or set(data) != {"kind", "message", "status", "phase", "stage"}:
        raise GarbageError("failure: not a SpaceError object")
    kind, message, status = data["kind"], data["message"], data["status"]
    phase, stage = data["phase"], data["stage"]
    if kind not in {k.value for k in ErrorKind} or not isinstance(message, str):
        raise GarbageError("failure: unknown kind or no message")
    if not (status is None or (isinstance(status, int) and not isinstance(status, bool))):
        raise GarbageError("failure: status is not a number")
    if not isinstance(phase, str) or not (stage is None or isinstance(stage, str)):
        raise GarbageError("failure: phase or stage is not text")
    return SpaceError(ErrorKind(kind), message, status=status, phase=phase, stage=stage)
