"""Endpoint schemas from a Gradio app's documents: `/gradio_api/info`, `/config` and the
optional `/gradio_api/mcp/schema` parsed into `Endpoint`s. Pure: no I/O.

`/info` is the source of truth (parameter order and defaults, on every Gradio >= 4);
`/config` adds what a call needs (fn_index, generator flag, State slots, slider bounds);
the MCP schema, where the space enabled it, adds per-parameter docstring descriptions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from gradio_mcp.discovery._schema_files import (
    FILE_URL_DESCRIPTION,
    FilePath,
    file_paths,
    file_url_schema,
    files_as_urls,
    tool_schema,
)
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import Endpoint, Parameter, Return, SpaceSchema

FILE_DESCRIPTION = FILE_URL_DESCRIPTION
RUNTIME_CHOICES_NOTE = "The choices are filled in at run time: any value is sent as given."
_I18N_PREFIX = "__i18n__"
# Gradio appends this advice to MCP tool descriptions; it names a tool we do not offer.
_UPLOAD_ADVICE = re.compile(
    r"\s*If a user passes a file as an input, use the upload_file_to_gradio.*$"
)
# Keys that describe the Gradio component rather than the value, and only add noise.
_NOISE_KEYS = ("additional_description",)
_UNTRUSTED_KEYS = frozenset({"pattern", "patternProperties", "format", "$schema"})
_COMPONENT_TITLES = {"Radio", "Checkbox Group", "Dropdown", "Slider", "Textbox", "Checkbox"}
_STATE_TYPES = {"state"}


def _file_kind(paths: tuple[FilePath, ...]) -> str | None:
    """ "single" (the value is a file), "list" (a list of files), "nested" (files inside)."""
    if not paths:
        return None
    if paths == ((),):
        return "single"
    if paths == (("*",),):
        return "list"
    return "nested"


def _files_of(entry: Mapping[str, Any]) -> tuple[FilePath, ...]:
    """Where an /info parameter or return holds files: by its schema, else its python type."""
    paths = file_paths(entry.get("type"))
    if paths:
        return paths
    python_type = entry.get("python_type")
    if isinstance(python_type, Mapping) and python_type.get("type") == "filepath":
        return ((),)
    return ()


def text_of(label: Any) -> str | None:
    """A label as text: Gradio sends translation objects (`{"key": ...}`) for some."""
    if label is None:
        return None
    if isinstance(label, str):
        if label.startswith(_I18N_PREFIX):
            try:
                decoded = json.loads(label[len(_I18N_PREFIX) :])
            except ValueError:
                return label
            return text_of(decoded)
        return label
    if isinstance(label, Mapping):
        key = label.get("key")
        return str(key) if key is not None else None
    if isinstance(label, int | float) and not isinstance(label, bool):
        return str(label)
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _fix_choices(node: dict[str, Any], custom_allowed: bool) -> str | None:
    """Make a choice schema (Radio, Dropdown, CheckboxGroup, also as `items`) one a value can
    pass: Gradio says `"type": "string"` even for numeric choices, publishes `"enum": []`
    for choices filled at run time, and keeps the enum when any value is allowed.
    Returns a note for the description, if the choices were dropped."""
    note = None
    items = node.get("items")
    if isinstance(items, dict):
        note = _fix_choices(items, custom_allowed)
    choices = node.get("enum")
    if not isinstance(choices, list):
        return note
    if not choices:
        del node["enum"]
        return RUNTIME_CHOICES_NOTE
    if custom_allowed:
        del node["enum"]
        shown = ", ".join(str(c) for c in choices[:20])
        return f"Suggested values: {shown}; other values are accepted too."
    kinds = {_json_type(c) for c in choices}
    if kinds <= {"integer"}:
        node["type"] = "integer"
    elif kinds <= {"integer", "number"}:
        node["type"] = "number"
    elif kinds != {"string"}:
        node.pop("type", None)
    return note


def _strip_untrusted(node: Any) -> Any:
    """Drop, at any depth, schema keywords a space could use against us or other callers.

    `pattern` and `patternProperties` run the space's regular expressions in our process when
    arguments are checked (a backtracking pattern can freeze the server); `format` is ours to
    set (file parameters); `x-*` extensions can steer what the MCP SDK checks in headers.
    """
    if isinstance(node, list):
        return [_strip_untrusted(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    return {
        key: _strip_untrusted(value)
        for key, value in node.items()
        if key not in _UNTRUSTED_KEYS and not str(key).startswith("x-")
    }


def _clean_schema(schema: Any) -> dict[str, Any]:
    """Copy a Gradio type schema, dropping component noise that confuses JSON Schema users."""
    if not isinstance(schema, Mapping):
        return {}
    cleaned = {k: v for k, v in _strip_untrusted(schema).items() if k not in _NOISE_KEYS}
    if cleaned.get("title") in _COMPONENT_TITLES:
        del cleaned["title"]
    # Gradio's Json component says {"type": {}}: any JSON value, which an empty schema means.
    if cleaned.get("type") == {}:
        del cleaned["type"]
    return cleaned


def _value_schema(
    entry: Mapping[str, Any], paths: tuple[FilePath, ...], description: str | None
) -> dict[str, Any]:
    """The schema a tool shows for an /info parameter or return: Gradio's type, cleaned,
    with a URL string wherever a file goes."""
    raw = entry.get("type")
    if paths == ((),) and not file_paths(raw):  # known only by its python type
        return file_url_schema(description)
    cleaned = _clean_schema(raw)
    schema = tool_schema(cleaned, description) if paths else cleaned
    if description and paths != ((),):
        schema["description"] = description
    return schema


def _safe_name(raw: Any, index: int, taken: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", str(raw or "")).strip("_") or f"param_{index}"
    if name[0].isdigit():
        name = f"p_{name}"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _mcp_tools_by_endpoint(mcp_schema: Any) -> dict[str, dict[str, Any]]:
    """Index the MCP schema's tools by endpoint name; accepts the list and the older dict form."""
    tools: dict[str, dict[str, Any]] = {}
    if isinstance(mcp_schema, list):
        for item in mcp_schema:
            if not isinstance(item, Mapping):
                continue
            meta = item.get("meta") or item.get("_meta") or {}
            if meta.get("mcp_type", "tool") != "tool":
                continue
            key = meta.get("endpoint_name") or item.get("name")
            if isinstance(key, str):
                tools[key.lstrip("/")] = dict(item)
    elif isinstance(mcp_schema, Mapping):
        for key, schema in mcp_schema.items():
            if isinstance(schema, Mapping):
                tools[str(key).lstrip("/")] = {
                    "description": schema.get("description"),
                    "inputSchema": schema,
                }
    return tools


def _dependency_for(config: Mapping[str, Any] | None, api_name: str) -> dict[str, Any] | None:
    if not config:
        return None
    for index, dep in enumerate(config.get("dependencies") or ()):
        if isinstance(dep, Mapping) and str(dep.get("api_name") or "").lstrip("/") == api_name:
            found = dict(dep)
            found.setdefault("id", index)
            return found
    return None


def _components(config: Mapping[str, Any] | None) -> dict[Any, Mapping[str, Any]]:
    if not config:
        return {}
    return {c.get("id"): c for c in (config.get("components") or ()) if isinstance(c, Mapping)}


def _is_hidden_slot(component: Mapping[str, Any] | None) -> bool:
    if not component:
        return False
    return component.get("type") in _STATE_TYPES or bool(component.get("skip_api"))


def _layout(
    dep: Mapping[str, Any] | None,
    components: Mapping[Any, Mapping[str, Any]],
    n_params: int,
    n_returns: int,
) -> tuple[tuple[int | None, ...] | None, tuple[int, ...] | None, list[Any]]:
    """Input slots (param index or None for State), kept output positions, and the
    component ids of the visible inputs (for slider bounds). None where /config disagrees."""
    if not dep:
        return None, None, []
    inputs = list(dep.get("inputs") or ())
    outputs = list(dep.get("outputs") or ())
    layout: list[int | None] = []
    visible_inputs: list[Any] = []
    for comp_id in inputs:
        if _is_hidden_slot(components.get(comp_id)):
            layout.append(None)
        else:
            layout.append(len(visible_inputs))
            visible_inputs.append(comp_id)
    keep = [i for i, comp_id in enumerate(outputs) if not _is_hidden_slot(components.get(comp_id))]
    input_layout = tuple(layout) if len(visible_inputs) == n_params else None
    output_keep = tuple(keep) if len(keep) == n_returns else None
    return input_layout, output_keep, visible_inputs if input_layout is not None else []


def _parse_endpoint(
    api_name: str,
    info: Mapping[str, Any],
    dep: Mapping[str, Any] | None,
    components: Mapping[Any, Mapping[str, Any]],
    mcp_tool: Mapping[str, Any] | None,
) -> Endpoint:
    raw_params = [p for p in info.get("parameters") or () if isinstance(p, Mapping)]
    raw_returns = [r for r in info.get("returns") or () if isinstance(r, Mapping)]
    input_layout, output_keep, visible_inputs = _layout(
        dep, components, len(raw_params), len(raw_returns)
    )
    mcp_props: Mapping[str, Any] = {}
    if mcp_tool:
        mcp_props = (mcp_tool.get("inputSchema") or {}).get("properties") or {}

    taken: set[str] = set()
    parameters = []
    for i, p in enumerate(raw_params):
        name = _safe_name(p.get("parameter_name") or text_of(p.get("label")), i, taken)
        paths = _files_of(p)
        mcp_prop = mcp_props.get(p.get("parameter_name") or name)
        description = mcp_prop.get("description") if isinstance(mcp_prop, Mapping) else None
        has_default = bool(p.get("parameter_has_default"))
        default = p.get("parameter_default") if has_default else None
        schema = _value_schema(p, paths, description)
        component = components.get(visible_inputs[i]) if visible_inputs else None
        props = (component or {}).get("props") or {}
        note = _fix_choices(schema, props.get("allow_custom_value") is True)
        if note:
            text = str(schema.get("description") or "").strip()
            schema["description"] = f"{text.rstrip('.')}. {note}" if text else note
        if (component or {}).get("type") == "slider":
            for key in ("minimum", "maximum"):
                if isinstance(props.get(key), int | float):
                    schema[key] = props[key]
        if has_default:
            # The schema shows a file default as its URL; Gradio gets the FileData itself.
            schema["default"] = files_as_urls(default) if paths else default
        parameters.append(
            Parameter(
                name=name,
                schema=schema,
                required=not has_default,
                has_default=has_default,
                default=default,
                description=description or schema.get("description"),
                label=text_of(p.get("label")),
                component=text_of(p.get("component")),
                file=_file_kind(paths),
                file_paths=paths,
            )
        )

    returns = []
    for r in raw_returns:
        paths = _files_of(r)
        schema = _value_schema(r, paths, None)
        _fix_choices(schema, False)
        returns.append(
            Return(
                label=text_of(r.get("label")),
                component=text_of(r.get("component")),
                schema=schema,
                file=_file_kind(paths),
                file_paths=paths,
            )
        )

    description = ""
    if mcp_tool and isinstance(mcp_tool.get("description"), str):
        description = _UPLOAD_ADVICE.sub("", mcp_tool["description"]).strip()
    if not description and isinstance(info.get("description"), str):
        description = info["description"].strip()

    types = (dep or {}).get("types") or {}
    return Endpoint(
        api_name=api_name,
        description=description,
        parameters=tuple(parameters),
        returns=tuple(returns),
        fn_index=dep.get("id") if dep and isinstance(dep.get("id"), int) else None,
        generator=bool(types.get("generator")) if isinstance(types, Mapping) else False,
        queue=(dep or {}).get("queue") is not False,
        input_layout=input_layout,
        output_keep=output_keep,
    )


def _endpoints_from_mcp_only(mcp_tools: Mapping[str, Mapping[str, Any]]) -> list[Endpoint]:
    """When `/info` is unavailable (a space behind Gradio auth), the MCP schema alone still
    gives names, descriptions and parameters in order; calls then go through `/call`."""
    endpoints = []
    for api_name, tool in mcp_tools.items():
        input_schema = tool.get("inputSchema") or {}
        required = set(input_schema.get("required") or ())
        params = []
        for name, prop in (input_schema.get("properties") or {}).items():
            prop = dict(prop) if isinstance(prop, Mapping) else {}
            is_file = "Gradio File Input" in str(prop.get("format", ""))
            schema = file_url_schema(prop.get("description")) if is_file else _clean_schema(prop)
            params.append(
                Parameter(
                    name=name,
                    schema=schema,
                    required=name in required,
                    has_default="default" in prop,
                    default=prop.get("default"),
                    description=prop.get("description"),
                    file="single" if is_file else None,
                    file_paths=((),) if is_file else (),
                )
            )
        description = _UPLOAD_ADVICE.sub("", str(tool.get("description") or "")).strip()
        endpoints.append(Endpoint(api_name, description, tuple(params), ()))
    return endpoints


_API_PREFIX = re.compile(r"^(/[A-Za-z0-9_.-]+)*$")


def _api_prefix(value: Any) -> str:
    """The path prefix of the space's API. The space chooses it, and every call URL (token
    included) is built from it, so anything but plain path segments is refused: a value such
    as '@evil.example/x' would move the request to another host."""
    prefix = str(value).rstrip("/") if isinstance(value, str) else "/gradio_api"
    if not _API_PREFIX.match(prefix) or ".." in prefix:
        return "/gradio_api"
    return prefix


def parse_space_schema(
    info: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None = None,
    mcp_schema: Any = None,
) -> SpaceSchema:
    """Build the endpoint list from the documents a space served (any may be None)."""
    mcp_tools = _mcp_tools_by_endpoint(mcp_schema)
    sources = tuple(
        name
        for name, doc in (("info", info), ("config", config), ("mcp_schema", mcp_schema))
        if doc is not None
    )
    if info is None:
        if not mcp_tools:
            raise SpaceError(ErrorKind.BAD_PAYLOAD, "the space served no endpoint schema")
        endpoints = _endpoints_from_mcp_only(mcp_tools)
    else:
        named = info.get("named_endpoints")
        if not isinstance(named, Mapping):
            raise SpaceError(
                ErrorKind.BAD_PAYLOAD, "/gradio_api/info has no 'named_endpoints' object"
            )
        components = _components(config)
        endpoints = []
        for key, endpoint_info in named.items():
            api_name = str(key).lstrip("/")
            if not isinstance(endpoint_info, Mapping) or not api_name or "<lambda" in api_name:
                continue
            if endpoint_info.get("api_visibility", "public") != "public":
                continue
            endpoints.append(
                _parse_endpoint(
                    api_name,
                    endpoint_info,
                    _dependency_for(config, api_name),
                    components,
                    mcp_tools.get(api_name),
                )
            )
    config = config or {}
    max_file_size = config.get("max_file_size")
    return SpaceSchema(
        endpoints=tuple(endpoints),
        gradio_version=config.get("version") if isinstance(config.get("version"), str) else None,
        mcp_server=bool(config.get("mcp_server")),
        max_file_size=max_file_size if isinstance(max_file_size, int) else None,
        api_prefix=_api_prefix(config.get("api_prefix", "/gradio_api")),
        sources=sources,
    )
