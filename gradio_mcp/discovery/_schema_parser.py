"""Endpoint schemas from a Gradio app's documents: `/gradio_api/info`, `/config` and the
optional `/gradio_api/mcp/schema` parsed into `Endpoint`s. Pure: no I/O.

`/info` is the source of truth (parameter order and defaults, on every Gradio >= 4);
`/config` adds what a call needs (fn_index, generator flag, State slots, slider bounds);
the MCP schema, where the space enabled it, adds per-parameter docstring descriptions.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from gradio_mcp.discovery._json_schema import json_type, well_formed_schema
from gradio_mcp.discovery._schema_files import (
    FilePath,
    file_paths,
    file_url_schema,
    files_as_urls,
    tool_schema,
)
from gradio_mcp.errors import ErrorKind, SpaceError, space_boundary
from gradio_mcp.models import Endpoint, Parameter, Return, SpaceSchema
from gradio_mcp.net import DEFAULT_LIMITS, ReadLimits, clip_text

RUNTIME_CHOICES_NOTE = "The choices are filled in at run time: any value is sent as given."
_I18N_PREFIX = "__i18n__"
# Gradio appends this advice to MCP tool descriptions; it names a tool we do not offer.
_UPLOAD_ADVICE = "If a user passes a file as an input, use the upload_file_to_gradio"
# Keys that describe the Gradio component rather than the value, and only add noise.
_NOISE_KEYS = ("additional_description",)
_COMPONENT_TITLES = {"Radio", "Checkbox Group", "Dropdown", "Slider", "Textbox", "Checkbox"}
_STATE_TYPES = {"state"}
# How Gradio's Slider describes itself in /info: its bounds, when /config is not at hand.
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_SLIDER_RANGE = re.compile(rf"numeric value between ({_NUMBER}) and ({_NUMBER})")


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _finite(value: Any) -> bool:
    """A number a schema can carry: not a boolean, not NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def _list(value: Any) -> list[Any]:
    """A list the space sent, or none at all when it sent something else."""
    return value if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _lookup(table: Mapping[Any, Any], key: Any) -> Any:
    # Keys come from the space: a list or an object as a key is no key (and unhashable).
    return table.get(key) if isinstance(key, int | str) else None


def _slider_bounds(param: Mapping[str, Any]) -> dict[str, int | float]:
    """A Slider's minimum and maximum from its /info description (Gradio writes them there)."""
    schema = param.get("type")
    if param.get("component") != "Slider" or not isinstance(schema, Mapping):
        return {}
    description = schema.get("description")
    match = _SLIDER_RANGE.fullmatch(description) if isinstance(description, str) else None
    if match is None:
        return {}
    bounds = {"minimum": _number(match[1]), "maximum": _number(match[2])}
    return {key: value for key, value in bounds.items() if _finite(value)}


def _whole_steps(props: Mapping[str, Any]) -> bool:
    """Whether a Slider (its /config props) steps by a whole number from a whole minimum to a
    whole maximum: its values are integers, and Gradio takes an int for it as it is."""
    values = [props.get(key) for key in ("step", "minimum", "maximum")]
    whole = [_finite(v) and float(v).is_integer() for v in values if isinstance(v, int | float)]
    return props.get("step") != 0 and len(whole) == 3 and all(whole)


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


def text_of(label: Any, max_chars: int | None = None) -> str | None:
    """A label as text: Gradio sends translation objects (`{"key": ...}`) for some, also
    encoded in a string; anything else that is not text is no label. Cut to `max_chars`."""
    text = _label_text(label)
    if isinstance(label, str) and text is not None and text.startswith(_I18N_PREFIX):
        try:
            decoded = json.loads(text[len(_I18N_PREFIX) :])
        except (ValueError, RecursionError):
            decoded = None
        # One level only: a translation object inside a translation object is not one.
        text = _label_text(decoded) if not isinstance(decoded, str) else decoded
        text = text if text is not None else label
    if text is None or max_chars is None:
        return text
    return clip_text(text, max_chars)


def _label_text(label: Any) -> str | None:
    if isinstance(label, str):
        return label
    if isinstance(label, Mapping):
        key = label.get("key")
        return key if isinstance(key, str) else None
    if _finite(label):
        return str(label)
    return None


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
    kinds = {json_type(c) for c in choices}
    if kinds <= {"integer"}:
        node["type"] = "integer"
    elif kinds <= {"integer", "number"}:
        node["type"] = "number"
    elif kinds != {"string"}:
        node.pop("type", None)
    return note


# Components whose empty state the page sends, and Gradio passes on, as null: nothing chosen
# yet. (A Textbox sends "", a Checkbox false, a CheckboxGroup [].)
NULL_WHEN_EMPTY = frozenset({"Dropdown", "Radio", "Number"})
# Keywords that describe the parameter as a whole: they stay outside a nullable wrapper.
_OUTER_KEYWORDS = ("title", "description", "default", "$defs")


def _accepts_null(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if not any(k in schema for k in ("type", "enum", "const", "$ref", "anyOf", "oneOf", "allOf")):
        return True  # no constraint on the kind of value: null passes already
    alternatives = schema.get("anyOf")
    return isinstance(alternatives, list) and any(
        isinstance(a, Mapping) and _accepts_null(a) for a in alternatives
    )


def accepting_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` widened to take null too, for a parameter whose default in Gradio is null:
    Gradio passes a null on to the function (what the page sends while nothing is chosen).

    A plain typed schema gets `"null"` added to its type (and enum), which every client
    reads; anything else (a file URL, a `$ref`, alternatives) is wrapped in `anyOf`."""
    if _accepts_null(schema):
        return schema
    kind = schema.get("type")
    composite = ("format", "const", "$ref", "anyOf", "oneOf", "allOf", "not")
    if isinstance(kind, str) and not any(k in schema for k in composite):
        widened = {**schema, "type": [kind, "null"]}
        if isinstance(schema.get("enum"), list):
            widened["enum"] = [*schema["enum"], None]
        return widened
    outer = {k: schema[k] for k in _OUTER_KEYWORDS if k in schema}
    inner = {k: v for k, v in schema.items() if k not in _OUTER_KEYWORDS}
    return {**outer, "anyOf": [inner, {"type": "null"}]}


def _clean_schema(schema: Any, limits: ReadLimits) -> dict[str, Any]:
    """Copy a Gradio type schema, well-formed (`_json_schema`), dropping component noise
    that confuses JSON Schema users."""
    if not isinstance(schema, Mapping):
        return {}
    well_formed = well_formed_schema(schema, limits.description_chars)
    cleaned = {k: v for k, v in well_formed.items() if k not in _NOISE_KEYS}
    if cleaned.get("title") in _COMPONENT_TITLES:
        del cleaned["title"]
    # Gradio's Json component says {"type": {}}: any JSON value, which an empty schema means.
    if cleaned.get("type") == {}:
        del cleaned["type"]
    return cleaned


def _value_schema(
    entry: Mapping[str, Any],
    paths: tuple[FilePath, ...],
    description: str | None,
    limits: ReadLimits,
) -> dict[str, Any]:
    """The schema a tool shows for an /info parameter or return: Gradio's type, cleaned,
    with a URL string wherever a file goes."""
    raw = entry.get("type")
    if paths == ((),) and not file_paths(raw):  # known only by its python type
        return file_url_schema(description)
    cleaned = _clean_schema(raw, limits)
    schema = tool_schema(cleaned, description) if paths else cleaned
    if description and paths != ((),):
        schema["description"] = description
    return schema


def default_is_null(has_default: bool, default: Any, component: Any) -> bool:
    """Whether Gradio's default for an input is null: the function's own default, or the
    empty state of a component that Gradio sends as null while nothing is chosen.

    /info marks an input without a default exactly when its component starts with no value
    (Gradio >= 5 reads the default from the component); read from /info alone, so a listing
    with or without /config gives the same schema."""
    if has_default:
        return default is None
    return component in NULL_WHEN_EMPTY


def _safe_name(raw: Any, index: int, taken: set[str], max_chars: int) -> str:
    text = raw[:max_chars] if isinstance(raw, str) else ""
    name = re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or f"param_{index}"
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
            meta = _mapping(item.get("meta") or item.get("_meta"))
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
    for index, dep in enumerate(_list((config or {}).get("dependencies"))):
        if not isinstance(dep, Mapping):
            continue
        name = str(dep.get("api_name") or "").lstrip("/")
        if name and name not in found:
            found[name] = {**dep, "id": dep.get("id", index)}
    return found


def _components(config: Mapping[str, Any] | None) -> dict[Any, Mapping[str, Any]]:
    if not config:
        return {}
    return {
        c["id"]: c
        for c in _list(config.get("components"))
        if isinstance(c, Mapping) and isinstance(c.get("id"), int | str)
    }


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
    inputs = _list(dep.get("inputs"))
    outputs = _list(dep.get("outputs"))
    layout: list[int | None] = []
    visible_inputs: list[Any] = []
    for comp_id in inputs:
        if _is_hidden_slot(_lookup(components, comp_id)):
            layout.append(None)
        else:
            layout.append(len(visible_inputs))
            visible_inputs.append(comp_id)
    keep = [
        i for i, comp_id in enumerate(outputs) if not _is_hidden_slot(_lookup(components, comp_id))
    ]
    input_layout = tuple(layout) if len(visible_inputs) == n_params else None
    output_keep = tuple(keep) if len(keep) == n_returns else None
    return input_layout, output_keep, visible_inputs if input_layout is not None else []


def _parse_endpoint(
    api_name: str,
    info: Mapping[str, Any],
    dep: Mapping[str, Any] | None,
    components: Mapping[Any, Mapping[str, Any]],
    mcp_tool: Mapping[str, Any] | None,
    limits: ReadLimits,
) -> Endpoint:
    raw_params = [p for p in _list(info.get("parameters")) if isinstance(p, Mapping)]
    raw_returns = [r for r in _list(info.get("returns")) if isinstance(r, Mapping)]
    input_layout, output_keep, visible_inputs = _layout(
        dep, components, len(raw_params), len(raw_returns)
    )
    mcp_props: Mapping[str, Any] = {}
    if mcp_tool:
        mcp_props = _mapping(_mapping(mcp_tool.get("inputSchema")).get("properties"))
    taken: set[str] = set()
    parameters = []
    for i, p in enumerate(raw_params):
        given = p.get("parameter_name") if isinstance(p.get("parameter_name"), str) else None
        name = _safe_name(given or text_of(p.get("label")), i, taken, limits.name_chars)
        component = _lookup(components, visible_inputs[i]) if visible_inputs else None
        mcp_prop = mcp_props.get(given or name)
        parameters.append(_parse_parameter(p, name, mcp_prop, component, limits))

    description = ""
    if mcp_tool and isinstance(mcp_tool.get("description"), str):
        description = _without_upload_advice(mcp_tool["description"])
    if not description and isinstance(info.get("description"), str):
        description = info["description"].strip()

    types = _mapping(_mapping(dep).get("types"))
    fn_index = _mapping(dep).get("id")
    return Endpoint(
        api_name=api_name,
        description=clip_text(description, limits.description_chars),
        parameters=tuple(parameters),
        returns=tuple(_parse_return(r, limits) for r in raw_returns),
        fn_index=fn_index if isinstance(fn_index, int) and not isinstance(fn_index, bool) else None,
        generator=bool(types.get("generator")),
        queue=(dep or {}).get("queue") is not False,
        input_layout=input_layout,
        output_keep=output_keep,
    )


def _parse_parameter(
    p: Mapping[str, Any],
    name: str,
    mcp_prop: Any,
    component: Mapping[str, Any] | None,
    limits: ReadLimits,
) -> Parameter:
    """One input: its /info entry, what the MCP schema says of it (`mcp_prop`), and its
    component in /config (None when /config does not line up with /info)."""
    paths = _files_of(p)
    described = mcp_prop.get("description") if isinstance(mcp_prop, Mapping) else None
    description = (
        clip_text(described, limits.description_chars) if isinstance(described, str) else None
    )
    has_default = bool(p.get("parameter_has_default"))
    default = p.get("parameter_default") if has_default else None
    schema = _value_schema(p, paths, description, limits)
    props = _mapping(_mapping(component).get("props"))
    if "parameter_has_default" not in p and not paths and props.get("value") is not None:
        # Gradio 4.0-4.3x's /info says nothing of defaults; the input's value in /config
        # is what its page sends, and what later Gradios report as the default.
        has_default, default = True, props["value"]
    _apply_component(schema, p, component)
    if has_default:
        # The schema shows a file default as its URL; Gradio gets the FileData itself.
        schema["default"] = files_as_urls(default) if paths else default
    if default_is_null(has_default, default, p.get("component")):
        schema = accepting_null(schema)
    return Parameter(
        name=name,
        schema=schema,
        required=not has_default,
        has_default=has_default,
        default=default,
        description=description or _text(schema.get("description")),
        label=text_of(p.get("label"), limits.name_chars),
        component=text_of(p.get("component"), limits.name_chars),
        file=_file_kind(paths),
        file_paths=paths,
    )


def _apply_component(
    schema: dict[str, Any], p: Mapping[str, Any], component: Mapping[str, Any] | None
) -> None:
    """What the input's component adds to its schema: whether its choices are closed, and
    a slider's bounds (from /config, else from /info's words) and whole steps."""
    props = _mapping(_mapping(component).get("props"))
    note = _fix_choices(schema, props.get("allow_custom_value") is True)
    if note:
        text = str(schema.get("description") or "").strip()
        schema["description"] = f"{text.rstrip('.')}. {note}" if text else note
    if _mapping(component).get("type") == "slider":
        for key in ("minimum", "maximum"):
            if _finite(props.get(key)):
                schema[key] = props[key]
        if schema.get("type") == "number" and _whole_steps(props):
            schema["type"] = "integer"  # every value it can take is a whole number
    elif component is None:
        schema.update(_slider_bounds(p))


def _parse_return(r: Mapping[str, Any], limits: ReadLimits) -> Return:
    paths = _files_of(r)
    schema = _value_schema(r, paths, None, limits)
    _fix_choices(schema, False)
    return Return(
        label=text_of(r.get("label"), limits.name_chars),
        component=text_of(r.get("component"), limits.name_chars),
        schema=schema,
        file=_file_kind(paths),
        file_paths=paths,
    )


def _without_upload_advice(text: str) -> str:
    # A plain search: a regular expression starting with `\s*` would be quadratic on a
    # description of blanks.
    cut = text.find(_UPLOAD_ADVICE)
    return (text if cut < 0 else text[:cut]).strip()


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _endpoints_from_mcp_only(
    mcp_tools: Mapping[str, Mapping[str, Any]], limits: ReadLimits
) -> list[Endpoint]:
    """When `/info` is unavailable (a space behind Gradio auth), the MCP schema alone still
    gives names, descriptions and parameters in order; calls then go through `/call`."""
    endpoints = []
    for api_name, tool in mcp_tools.items():
        if not api_name or len(api_name) > limits.name_chars:
            continue
        input_schema = _mapping(tool.get("inputSchema"))
        required = {n for n in _list(input_schema.get("required")) if isinstance(n, str)}
        params = []
        taken: set[str] = set()
        for i, (given, raw) in enumerate(_mapping(input_schema.get("properties")).items()):
            prop = dict(raw) if isinstance(raw, Mapping) else {}
            name = _safe_name(given, i, taken, limits.name_chars)
            described = _text(prop.get("description"))
            description = clip_text(described, limits.description_chars) if described else None
            is_file = "Gradio File Input" in str(prop.get("format", ""))
            schema = file_url_schema(description) if is_file else _clean_schema(prop, limits)
            params.append(
                Parameter(
                    name=name,
                    schema=schema,
                    required=given in required,
                    has_default="default" in prop,
                    default=prop.get("default"),
                    description=description,
                    file="single" if is_file else None,
                    file_paths=((),) if is_file else (),
                )
            )
        described = _text(tool.get("description")) or ""
        description = clip_text(_without_upload_advice(described), limits.description_chars)
        endpoints.append(Endpoint(api_name, description, tuple(params), ()))
    return endpoints


_API_PREFIX = re.compile(r"^(/[A-Za-z0-9_.-]+)*$")
_PROTOCOL = re.compile(r"[A-Za-z0-9_.]{1,32}")


def _api_prefix(config: Mapping[str, Any] | None) -> str:
    """The path prefix of the space's API. Gradio 5 and later name it in /config; Gradio 4
    and earlier name none and serve everything at the root. Without /config, Gradio 5's
    "/gradio_api" is the guess. The space chooses it, and every call URL (token included) is
    built from it, so anything but plain path segments is refused: a value such as
    '@evil.example/x' would move the request to another host."""
    if config is None:
        return "/gradio_api"
    value = config.get("api_prefix", "")
    prefix = str(value).rstrip("/") if isinstance(value, str) else "/gradio_api"
    if not _API_PREFIX.match(prefix) or ".." in prefix:
        return "/gradio_api"
    return prefix


def _protocol(config: Mapping[str, Any] | None) -> str | None:
    """The queue protocol /config names; "ws" for Gradio 3, whose /config names none and
    whose queue is a websocket. None when unknown (no /config, or a name that is no name)."""
    if config is None:
        return None
    protocol = config.get("protocol")
    if isinstance(protocol, str):
        return protocol if _PROTOCOL.fullmatch(protocol) else None
    version = config.get("version")
    if protocol is None and isinstance(version, str) and version.startswith("3."):
        return "ws"
    return None


def parse_space_schema(
    info: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None = None,
    mcp_schema: Any = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> SpaceSchema:
    """Build the endpoint list from the documents a space served (any may be None).

    Whatever the documents hold, this returns or raises a `SpaceError`: the parser copes
    with odd types where it can, and anything it did not foresee is the space's error."""
    with space_boundary("cannot read the space's endpoint schema", phase="schema"):
        return _parse_space_schema(info, config, mcp_schema, limits)


def _parse_space_schema(info: Any, config: Any, mcp_schema: Any, limits: ReadLimits) -> SpaceSchema:
    config = config if isinstance(config, Mapping) else None
    mcp_tools = _mcp_tools_by_endpoint(mcp_schema)
    sources = tuple(
        name
        for name, doc in (("info", info), ("config", config), ("mcp_schema", mcp_schema))
        if doc is not None
    )
    if info is None:
        if not mcp_tools:
            raise SpaceError(
                ErrorKind.BAD_PAYLOAD, "the space served no endpoint schema", phase="schema"
            )
        endpoints = _endpoints_from_mcp_only(mcp_tools, limits)
    else:
        endpoints = _endpoints_from_info(info, config, mcp_tools, limits)
    api_prefix, protocol = _api_prefix(config), _protocol(config)
    config = config or {}
    max_file_size = config.get("max_file_size")
    return SpaceSchema(
        endpoints=tuple(endpoints),
        gradio_version=config.get("version") if isinstance(config.get("version"), str) else None,
        mcp_server=bool(config.get("mcp_server")),
        max_file_size=max_file_size
        if isinstance(max_file_size, int) and not isinstance(max_file_size, bool)
        else None,
        api_prefix=api_prefix,
        sources=sources,
        protocol=protocol,
    )


def _endpoints_from_info(
    info: Any,
    config: Mapping[str, Any] | None,
    mcp_tools: Mapping[str, Mapping[str, Any]],
    limits: ReadLimits,
) -> list[Endpoint]:
    """The public endpoints /info names, each completed by /config and the MCP schema."""
    named = info.get("named_endpoints") if isinstance(info, Mapping) else None
    if not isinstance(named, Mapping):
        raise SpaceError(
            ErrorKind.BAD_PAYLOAD,
            "/gradio_api/info has no 'named_endpoints' object",
            phase="schema",
        )
    components, dependencies = _components(config), _dependencies(config)
    endpoints = []
    seen: set[str] = set()
    for key, endpoint_info in named.items():
        api_name = str(key).lstrip("/")
        if not isinstance(endpoint_info, Mapping) or not api_name or "<lambda" in api_name:
            continue
        if len(api_name) > limits.name_chars:  # a name, not a text: never cut, left out
            continue
        if api_name in seen:  # "/x" and "x" name the same endpoint: the first one counts
            continue
        seen.add(api_name)
        if endpoint_info.get("api_visibility", "public") != "public":
            continue
        dep, mcp_tool = dependencies.get(api_name), mcp_tools.get(api_name)
        endpoints.append(
            _parse_endpoint(api_name, endpoint_info, dep, components, mcp_tool, limits)
        )
    return endpoints
