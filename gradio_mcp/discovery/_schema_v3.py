"""Endpoint schemas of a Gradio 3 app, read with that era's rules. Pure: no I/O.

Gradio 3's `/info` (at the root) describes each value as gradio_client 0.x passes it, names
no function parameters and gives no defaults; what a tool needs is spread over it and
`/config`:

* files are known by their `serializer` (`ImgSerializable`, `FileSerializable`,
  `VideoSerializable`), not by a FileData schema; a File with `file_count` "multiple" or
  "directory" takes a list;
* Dropdown, Radio and CheckboxGroup choices are in `/config` (`props.choices`, as `[label,
  value]` pairs since 3.39, plain values before); `/info` only writes them into a sentence;
* defaults are the components' starting values (`props.value` in `/config`), which the page
  sends when nothing is changed;
* a dependency's queue setting is `queue` (null: the app's `enable_queue`), and its index in
  `dependencies` is its `fn_index`.

Arguments are named by their labels, as Gradio 3's own API page names them. Tool schemas
are then as for Gradio 4 and later: a URL string where a file goes, choices as an enum,
slider bounds, null where Gradio's default is null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gradio_mcp.discovery._schema_files import file_url_schema
from gradio_mcp.discovery._schema_parser import (
    _clean_schema,
    _components,
    _dependencies,
    _fix_choices,
    _layout,
    _list,
    _lookup,
    _mapping,
    _safe_name,
    _slider_bounds,
    _text,
    accepting_null,
    default_is_null,
    text_of,
)
from gradio_mcp.errors import ErrorKind, SpaceError, space_boundary
from gradio_mcp.models import ANY_ITEM, Endpoint, Parameter, Return, SpaceSchema
from gradio_mcp.net import DEFAULT_LIMITS, ReadLimits

FILE_SERIALIZERS = frozenset({"ImgSerializable", "FileSerializable", "VideoSerializable"})
_CHOICE_COMPONENTS = frozenset({"dropdown", "radio", "checkboxgroup"})
_MANY_FILES = frozenset({"multiple", "directory"})


def is_gradio3(info: Any, config: Any) -> bool:
    """Whether these documents come from a Gradio 3 app: `/config` says version 3 (and no
    queue `protocol`, which Gradio 4 added), or, without `/config`, `/info` describes its
    values by gradio_client 0.x serializers."""
    if isinstance(config, Mapping) and isinstance(config.get("version"), str):
        return is_gradio3_config(config)
    named = _mapping(_mapping(info).get("named_endpoints"))
    for endpoint in named.values():
        for entry in _list(_mapping(endpoint).get("parameters")):
            if isinstance(entry, Mapping) and "serializer" in entry:
                return True
    return False


def _choices(props: Mapping[str, Any]) -> list[Any] | None:
    """The values a choice component takes: `[label, value]` pairs or plain values."""
    raw = props.get("choices")
    if not isinstance(raw, list):
        return None
    values = []
    for choice in raw:
        if isinstance(choice, list) and len(choice) == 2:
            values.append(choice[1])
        elif isinstance(choice, str | int | float) and not isinstance(choice, bool):
            values.append(choice)
    return values


def _file_kind(entry: Mapping[str, Any], props: Mapping[str, Any]) -> str | None:
    if entry.get("serializer") not in FILE_SERIALIZERS:
        return None
    return "list" if props.get("file_count") in _MANY_FILES else "single"


def _file_schema(kind: str, description: str | None) -> dict[str, Any]:
    if kind == "list":
        return {"type": "array", "items": file_url_schema(), "description": description or ""}
    return file_url_schema(description)


def _with_choices(
    schema: dict[str, Any], component: Mapping[str, Any], props: Mapping[str, Any]
) -> dict[str, Any]:
    """A choice component's schema with its choices from /config (the enum /info lacks)."""
    choices = _choices(props)
    if component.get("type") not in _CHOICE_COMPONENTS or not choices:
        return schema
    many = component.get("type") == "checkboxgroup" or props.get("multiselect") is True
    # /info's sentence ("Option from: [...]") says nothing the enum does not.
    described = {k: v for k, v in schema.items() if k != "description"}
    if many:
        described.update(type="array", items={"type": "string", "enum": choices})
    else:
        described.update(type="string", enum=choices)
    _fix_choices(described, props.get("allow_custom_value") is True)
    return described


def _parameter(
    index: int,
    entry: Mapping[str, Any],
    component: Mapping[str, Any] | None,
    taken: set[str],
    limits: ReadLimits,
) -> Parameter:
    props = _mapping(_mapping(component).get("props"))
    label = text_of(entry.get("label"), limits.name_chars)
    name = _safe_name(label, index, taken, limits.name_chars)
    kind = _file_kind(entry, props)
    component_name = text_of(entry.get("component"), limits.name_chars)
    if kind is not None:
        schema = _file_schema(kind, label)
    else:
        schema = _with_choices(_clean_schema(entry.get("type"), limits), _mapping(component), props)
        if _mapping(component).get("type") == "slider":
            for key in ("minimum", "maximum"):
                value = props.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    schema[key] = value
        elif component is None:
            schema.update(_slider_bounds(entry))
    # The page sends the component's starting value; a file component starts empty.
    default = props.get("value") if kind is None else None
    has_default = default is not None
    if has_default:
        schema["default"] = default
    if default_is_null(has_default, default, component_name):
        schema = accepting_null(schema)
    paths: tuple[tuple[str | int, ...], ...] = ()
    if kind == "single":
        paths = ((),)
    elif kind == "list":
        paths = ((ANY_ITEM,),)
    return Parameter(
        name=name,
        schema=schema,
        required=not has_default,
        has_default=has_default,
        default=default,
        description=_text(schema.get("description")),
        label=label,
        component=component_name,
        file=kind,
        file_paths=paths,
    )


def _return(entry: Mapping[str, Any], limits: ReadLimits) -> Return:
    serializer = entry.get("serializer")
    kind = "single" if serializer in FILE_SERIALIZERS else None
    if kind is not None:
        schema = file_url_schema()
    elif serializer == "GallerySerializable":
        schema = {"type": "array"}  # [file, caption] pairs; the files become file objects
    else:
        schema = _clean_schema(entry.get("type"), limits)
    if _mapping(entry.get("type")).get("type") == "array" and kind is not None:
        kind, schema = "list", {"type": "array", "items": file_url_schema()}
    return Return(
        label=text_of(entry.get("label"), limits.name_chars),
        component=text_of(entry.get("component"), limits.name_chars),
        schema=schema,
        file=kind,
    )


def _endpoint(
    api_name: str,
    info: Mapping[str, Any],
    dep: Mapping[str, Any] | None,
    components: Mapping[Any, Mapping[str, Any]],
    enable_queue: bool,
    limits: ReadLimits,
) -> Endpoint:
    raw_params = [p for p in _list(info.get("parameters")) if isinstance(p, Mapping)]
    raw_returns = [r for r in _list(info.get("returns")) if isinstance(r, Mapping)]
    input_layout, output_keep, visible = _layout(dep, components, len(raw_params), len(raw_returns))
    taken: set[str] = set()
    parameters = tuple(
        _parameter(i, entry, _lookup(components, visible[i]) if visible else None, taken, limits)
        for i, entry in enumerate(raw_params)
    )
    fn_index = _mapping(dep).get("id")
    queue = _mapping(dep).get("queue")
    return Endpoint(
        api_name=api_name,
        description="",
        parameters=parameters,
        returns=tuple(_return(r, limits) for r in raw_returns),
        fn_index=fn_index if isinstance(fn_index, int) and not isinstance(fn_index, bool) else None,
        generator=bool(_mapping(_mapping(dep).get("types")).get("generator")),
        queue=queue if isinstance(queue, bool) else enable_queue,
        input_layout=input_layout,
        output_keep=output_keep,
    )


# Gradio 3 before /info (3.0 to about 3.27): what each component's value is, by its type in
# /config, as the serializers of later 3.x describe it.
_VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "textbox": {"type": "string"},
    "number": {"type": "number"},
    "slider": {"type": "number"},
    "checkbox": {"type": "boolean"},
    "dropdown": {"type": "string"},
    "radio": {"type": "string"},
    "checkboxgroup": {"type": "array", "items": {"type": "string"}},
    "colorpicker": {"type": "string"},
    "code": {"type": "string"},
    "markdown": {"type": "string"},
    "html": {"type": "string"},
}
_SERIALIZERS = {
    "image": "ImgSerializable",
    "file": "FileSerializable",
    "uploadbutton": "FileSerializable",
    "audio": "FileSerializable",
    "model3d": "FileSerializable",
    "video": "VideoSerializable",
}


def is_gradio3_config(config: Any) -> bool:
    """Whether `/config` is a Gradio 3 app's (no queue `protocol`, version 3.x)."""
    version = _mapping(config).get("version")
    return isinstance(version, str) and version.startswith("3.") and "protocol" not in config


def info_from_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """What `/info` would say of a Gradio 3 app that serves none (before 3.28): each named
    backend dependency, its values described by their components' types."""
    components = _components(config)

    def entry(comp_id: Any) -> dict[str, Any]:
        component = _mapping(_lookup(components, comp_id))
        kind = str(component.get("type") or "")
        return {
            "label": _mapping(component.get("props")).get("label"),
            "component": kind.capitalize(),
            "type": _VALUE_SCHEMAS.get(kind, {}),
            "serializer": _SERIALIZERS.get(kind, "SimpleSerializable"),
        }

    named: dict[str, Any] = {}
    for dep in _list(config.get("dependencies")):
        dep = _mapping(dep)
        name = dep.get("api_name")
        if not isinstance(name, str) or not name or dep.get("backend_fn") is False:
            continue
        visible = [c for c in _list(dep.get("inputs")) if not _is_state(components, c)]
        shown = [c for c in _list(dep.get("outputs")) if not _is_state(components, c)]
        named.setdefault(
            "/" + name,
            {"parameters": [entry(c) for c in visible], "returns": [entry(c) for c in shown]},
        )
    return {"named_endpoints": named}


def _is_state(components: Mapping[Any, Mapping[str, Any]], comp_id: Any) -> bool:
    return _mapping(_lookup(components, comp_id)).get("type") == "state"


def parse_gradio3_schema(
    info: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> SpaceSchema:
    """The endpoints of a Gradio 3 app from its `/info` and `/config` (either may be None:
    without `/config` the endpoints lack defaults, choices and call details; without `/info`,
    as before Gradio 3.28, they are described from `/config` alone). Raises only
    `SpaceError`."""
    with space_boundary("cannot read the space's Gradio 3 endpoint schema", phase="schema"):
        sources = tuple(n for n, d in (("info", info), ("config", config)) if d is not None)
        if info is None and isinstance(config, Mapping):
            info = info_from_config(config)
        named = info.get("named_endpoints") if isinstance(info, Mapping) else None
        if not isinstance(named, Mapping):
            raise SpaceError(
                ErrorKind.BAD_PAYLOAD, "/info has no 'named_endpoints' object", phase="schema"
            )
        config = config if isinstance(config, Mapping) else None
        components, dependencies = _components(config), _dependencies(config)
        enable_queue = _mapping(config).get("enable_queue") is not False
        endpoints, seen = [], set()
        for key, endpoint_info in named.items():
            api_name = str(key).lstrip("/")
            if not isinstance(endpoint_info, Mapping) or not api_name or api_name in seen:
                continue
            if len(api_name) > limits.name_chars:
                continue
            seen.add(api_name)
            endpoints.append(
                _endpoint(
                    api_name,
                    endpoint_info,
                    dependencies.get(api_name),
                    components,
                    enable_queue,
                    limits,
                )
            )
        version = _mapping(config).get("version")
        return SpaceSchema(
            endpoints=tuple(endpoints),
            gradio_version=version if isinstance(version, str) else None,
            api_prefix="",  # Gradio 3 serves its API at the root, and names no prefix
            protocol="ws",  # its websocket queue (or /run/predict where the queue is off)
            sources=sources,
        )
