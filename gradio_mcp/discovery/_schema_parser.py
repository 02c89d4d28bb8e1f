"""Endpoint schemas from a Gradio app's documents: `/gradio_api/info`, `/config` and the
optional `/gradio_api/mcp/schema` parsed into `Endpoint`s. Pure: no I/O.

`/info` is the source of truth (parameter order and defaults, on every Gradio >= 4);
`/config` adds what a call needs (fn_index, generator flag, State slots, slider bounds);
the MCP schema, where the space enabled it, adds per-parameter docstring descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import Endpoint, Parameter, Return, SpaceSchema

FILE_DESCRIPTION = "an http(s) URL or a data: URI of the file"
# Gradio appends this advice to MCP tool descriptions; it names a tool we do not offer.
_UPLOAD_ADVICE = re.compile(
    r"\s*If a user passes a file as an input, use the upload_file_to_gradio.*$"
)
# Keys that describe the Gradio component rather than the value, and only add noise.
_NOISE_KEYS = ("additional_description",)
_UNTRUSTED_KEYS = frozenset({"pattern", "patternProperties", "format", "$schema"})
_COMPONENT_TITLES = {"Radio", "Checkbox Group", "Dropdown", "Slider", "Textbox", "Checkbox"}
_STATE_TYPES = {"state"}
# How Gradio's Slider describes itself in /info: its bounds, when /config is not at hand.
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_SLIDER_RANGE = re.compile(rf"numeric value between ({_NUMBER}) and ({_NUMBER})")


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _slider_bounds(param: Mapping[str, Any]) -> dict[str, int | float]:
    """A Slider's minimum and maximum from its /info description (Gradio writes them there)."""
    schema = param.get("type")
    if param.get("component") != "Slider" or not isinstance(schema, Mapping):
        return {}
    description = schema.get("description")
    match = _SLIDER_RANGE.fullmatch(description) if isinstance(description, str) else None
    if match is None:
        return {}
    return {"minimum": _number(match[1]), "maximum": _number(match[2])}


def _is_file_data(schema: Any) -> bool:
    """True for Gradio's FileData/ImageData object schemas."""
    if not isinstance(schema, Mapping):
        return False
    if schema.get("title") in ("FileData", "ImageData"):
        return True
    props = schema.get("properties")
    return bool(isinstance(props, Mapping) and "path" in props and "meta" in props)


def _file_kind(param: Mapping[str, Any]) -> str | None:
    schema = param.get("type")
    if _is_file_data(schema):
        return "single"
    if isinstance(schema, Mapping) and schema.get("type") == "array":
        return "list" if _is_file_data(schema.get("items")) else None
    python_type = param.get("python_type")
    if isinstance(python_type, Mapping) and python_type.get("type") == "filepath":
        return "single"
    return None


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


def _file_schema(kind: str, description: str | None) -> dict[str, Any]:
    one = {"type": "string", "format": "uri", "description": FILE_DESCRIPTION}
    if kind == "list":
        schema: dict[str, Any] = {"type": "array", "items": one}
    else:
        schema = dict(one)
    if description:
        schema["description"] = f"{description} ({FILE_DESCRIPTION})"
    return schema


def _file_default(value: Any) -> Any:
    """A file parameter's default as the URL string the tool schema promises."""
    if isinstance(value, Mapping):
        return value.get("url") or value.get("path")
    if isinstance(value, list):
        return [_file_default(v) for v in value]
    return value


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


def _dependencies(config: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """`/config`'s dependencies by endpoint name (the first of each name), with their index
    as `id` where they carry none: one pass, so a space with thousands of endpoints does not
    cost thousands of passes."""
    found: dict[str, dict[str, Any]] = {}
    for index, dep in enumerate((config or {}).get("dependencies") or ()):
        if not isinstance(dep, Mapping):
            continue
        name = str(dep.get("api_name") or "").lstrip("/")
        if name and name not in found:
            found[name] = {**dep, "id": dep.get("id", index)}
    return found


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
        name = _safe_name(p.get("parameter_name") or p.get("label"), i, taken)
        kind = _file_kind(p)
        mcp_prop = mcp_props.get(p.get("parameter_name") or name)
        description = mcp_prop.get("description") if isinstance(mcp_prop, Mapping) else None
        has_default = bool(p.get("parameter_has_default"))
        default = p.get("parameter_default") if has_default else None
        if kind:
            schema = _file_schema(kind, description)
            default = _file_default(default)
        else:
            schema = _clean_schema(p.get("type"))
            if description:
                schema["description"] = description
            component = components.get(visible_inputs[i]) if visible_inputs else None
            props = (component or {}).get("props") or {}
            if (component or {}).get("type") == "slider":
                for key in ("minimum", "maximum"):
                    if isinstance(props.get(key), int | float):
                        schema[key] = props[key]
            elif component is None:
                schema.update(_slider_bounds(p))
        if has_default:
            schema["default"] = default
        parameters.append(
            Parameter(
                name=name,
                schema=schema,
                required=not has_default,
                has_default=has_default,
                default=default,
                description=description or schema.get("description"),
                label=p.get("label"),
                component=p.get("component"),
                file=kind,
            )
        )

    returns = []
    for r in raw_returns:
        kind = _file_kind(r)
        returns.append(
            Return(
                label=r.get("label"),
                component=r.get("component"),
                schema=_file_schema(kind, None) if kind else _clean_schema(r.get("type")),
                file=kind,
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
            schema = (
                _file_schema("single", prop.get("description")) if is_file else _clean_schema(prop)
            )
            params.append(
                Parameter(
                    name=name,
                    schema=schema,
                    required=name in required,
                    has_default="default" in prop,
                    default=prop.get("default"),
                    description=prop.get("description"),
                    file="single" if is_file else None,
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
        dependencies = _dependencies(config)
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
                    dependencies.get(api_name),
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
