"""Discovered spaces -> MCP tool and prompt definitions, argument checks and list cursors.

Everything here is pure (no I/O), so the server can rebuild a catalog on every `tools/list`
from cached discovery results, and tests can pin the exact shapes an MCP client sees.

Tool names
----------
A tool is named ``{space}__{api_name}`` (the space's name without its owner, then the endpoint),
with every run of characters outside ``[A-Za-z0-9_-]`` turned into ``_``. That short form is
what a person reads in a client's tool picker, and it leaves room for the prefixes clients put
in front of names (Claude Code's ``mcp__<server>__``) under the 64-character limit of LLM APIs.

Each tool also has a *qualified* name, ``{space}__{api_name}_{hash}``, where the hash is six hex
digits of sha256 over ``owner/space/api_name``, and the parts are truncated so the whole fits
the budget. The qualified name depends only on that one endpoint, so it never changes. It is
listed instead of the short form when the short form would be ambiguous or too long:

* the name is longer than the budget;
* two *requested* space ids share a space name (``alice/flux`` and ``bob/flux``, which is what
  duplicating a space on the Hub produces): then every tool of both spaces is qualified, so
  neither silently takes over the other's names;
* two endpoints still sanitise to the same short name.

The trade-off: a listed short name depends on which space ids are requested (not on which of
them happened to be discovered, so a space that fails never renames another). Adding a second
space with the same name turns the first one's short names into qualified ones. The old short
name then resolves to nothing (a clear "unknown tool"), never to the other space. The
reference server instead numbers tools by their position among the spaces that worked, so one
failing space shifts every later tool to a different name. Every qualified name is accepted by
`ToolCatalog.resolve` at all times, so a host that needs names that never change can pin those
(they are also in each tool's ``_meta``).
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import jsonschema
from mcp.types import (
    GetPromptResult,
    Prompt,
    PromptArgument,
    PromptMessage,
    TextContent,
    Tool,
    ToolAnnotations,
)

from gradio_mcp.models import Endpoint, GradioSpace, Parameter

__all__ = [
    "DEFAULT_NAME_LENGTH",
    "MAX_NAME_LENGTH",
    "TOOL_ANNOTATIONS",
    "ToolArgumentError",
    "ToolCatalog",
    "ToolName",
    "ToolRef",
    "UnknownNameError",
    "assign_tool_names",
    "build_catalog",
    "build_input_schema",
    "build_prompt",
    "build_tool",
    "check_arguments",
    "decode_cursor",
    "encode_cursor",
    "paginate",
    "positional_data",
    "qualified_tool_name",
    "render_prompt",
    "sanitize_name",
    "validate_arguments",
]

# OpenAI and Windsurf reject tool names over 64 characters; Anthropic used to.
MAX_NAME_LENGTH = 64
# 48 leaves 16 characters for a client's own prefix, e.g. Claude Code's "mcp__gradio__".
DEFAULT_NAME_LENGTH = 48
_MIN_NAME_LENGTH = 20  # below this a qualified name would be little more than its hash
_HASH_CHARS = 6
_LONG_HASH_CHARS = 12  # only for the (astronomically rare) collision of two qualified names
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_-]+")

# Gradio endpoints run arbitrary code on somebody else's machine, and the caller's Hugging Face
# token travels with the call. We cannot vouch that a call only reads, that it leaves nothing
# destroyed, or that repeating it is harmless (generative models are not deterministic and
# every call spends the caller's GPU quota), so we state the spec's conservative values and
# let the client decide about confirmation. Open world: the tool reaches a remote service.
TOOL_ANNOTATIONS = ToolAnnotations(
    read_only_hint=False,
    destructive_hint=True,
    idempotent_hint=False,
    open_world_hint=True,
)

_META_PREFIX = "gradio-mcp/"  # _meta keys need a reverse-DNS-like prefix; "_" is not allowed in it

T = TypeVar("T")


class ToolArgumentError(ValueError):
    """The arguments of a tool call do not fit its input schema; nothing was sent upstream."""

    def __init__(self, tool: str, problems: Sequence[str]) -> None:
        self.tool = tool
        self.problems = list(problems)
        super().__init__(f"Invalid arguments for tool '{tool}': " + "; ".join(self.problems))


class UnknownNameError(LookupError):
    """No tool or prompt of that name in the current list."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        super().__init__(f"Unknown {kind}: {name}")

    def __str__(self) -> str:  # LookupError would otherwise quote the whole message
        return str(self.args[0])


# --------------------------------------------------------------------------------------------
# Names


@dataclass(frozen=True)
class ToolName:
    """The listed name of one endpoint's tool and its never-changing qualified form."""

    name: str
    qualified_name: str


def sanitize_name(text: str) -> str:
    """Replace every run of characters outside ``[A-Za-z0-9_-]`` with one ``_``."""
    return _UNSAFE_RUN.sub("_", text).strip("_") or "_"


def _space_part(space_id: str) -> str:
    return sanitize_name(space_id.rsplit("/", 1)[-1])


def _api_part(api_name: str) -> str:
    return sanitize_name(api_name.lstrip("/"))


def _check_length(max_length: int) -> None:
    if not _MIN_NAME_LENGTH <= max_length <= MAX_NAME_LENGTH:
        raise ValueError(
            f"tool name length must be between {_MIN_NAME_LENGTH} and {MAX_NAME_LENGTH}, "
            f"got {max_length}"
        )


def _short_name(space_id: str, api_name: str, style: str = "space") -> str:
    if style == "endpoint":
        return _api_part(api_name)
    return f"{_space_part(space_id)}__{_api_part(api_name)}"


def qualified_tool_name(
    space_id: str,
    api_name: str,
    *,
    max_length: int = DEFAULT_NAME_LENGTH,
    hash_chars: int = _HASH_CHARS,
) -> str:
    """``{space}__{api}_{hash}``, truncated to fit: a function of this endpoint alone."""
    _check_length(max_length)
    api_name = api_name.lstrip("/")
    digest = hashlib.sha256(f"{space_id}/{api_name}".encode()).hexdigest()[:hash_chars]
    space, api = _space_part(space_id), _api_part(api_name)
    room = max_length - len(digest) - 3  # "__" between the parts, "_" before the hash
    if len(space) + len(api) > room:
        # Keep the start of both parts: the endpoint needs at least half the room to stay
        # recognisable, the space gets whatever the endpoint does not use.
        space = space[: max(room - len(api), room // 2)].rstrip("_-") or "_"
        api = api[: room - len(space)].rstrip("_-") or "_"
    return f"{space}__{api}_{digest}"


def assign_tool_names(
    space_ids: Sequence[str],
    endpoints: Sequence[tuple[str, str]],
    *,
    max_length: int = DEFAULT_NAME_LENGTH,
    style: str = "space",
) -> dict[tuple[str, str], ToolName]:
    """Names for ``(space_id, api_name)`` pairs, given every space id that was requested.

    `space_ids` should include spaces whose discovery failed: a clash of space names is decided
    on what was asked for, so that a failing space never renames the tools of another.
    With `style="endpoint"` the listed name is the bare endpoint name (for a server of one
    space); a name two spaces share falls back to the qualified form, so in that style a
    name can depend on what else is listed.
    """
    _check_length(max_length)
    space_names: dict[str, set[str]] = {}
    for space_id in [*space_ids, *(sid for sid, _ in endpoints)]:
        space_names.setdefault(_space_part(space_id), set()).add(space_id)

    keys = list(dict.fromkeys((sid, api.lstrip("/")) for sid, api in endpoints))
    chosen: dict[tuple[str, str], str] = {}
    for key in keys:
        short = _short_name(*key, style)
        if len(space_names[_space_part(key[0])]) > 1 or len(short) > max_length:
            chosen[key] = qualified_tool_name(*key, max_length=max_length)
        else:
            chosen[key] = short

    # Remaining clashes (endpoint names that sanitise alike, or a short name that happens to
    # look like another tool's qualified one): every member of a clash group is qualified,
    # with a longer hash if the usual one is what clashed.
    for hash_chars in (_HASH_CHARS, _LONG_HASH_CHARS):
        clashing = _clashing(chosen)
        for key in clashing:
            chosen[key] = qualified_tool_name(*key, max_length=max_length, hash_chars=hash_chars)
    if _clashing(chosen):  # pragma: no cover - needs a 48-bit sha256 collision
        raise RuntimeError("could not give every tool a unique name")

    return {
        key: ToolName(
            name=chosen[key], qualified_name=qualified_tool_name(*key, max_length=max_length)
        )
        for key in keys
    }


def _clashing(chosen: Mapping[tuple[str, str], str]) -> list[tuple[str, str]]:
    owners: dict[str, list[tuple[str, str]]] = {}
    for key, name in chosen.items():
        owners.setdefault(name, []).append(key)
    return [key for group in owners.values() if len(group) > 1 for key in group]


# --------------------------------------------------------------------------------------------
# Input schemas


def _mentions_url(text: str) -> bool:
    return "url" in text.lower()


def _file_hint(parameter: Parameter) -> str:
    if parameter.file == "list":
        return "a list of http(s) URLs or data: URIs"
    return "an http(s) URL or a data: URI"


def _schema_default(parameter: Parameter, fragment: Mapping[str, Any]) -> tuple[bool, Any]:
    """The default to advertise, if any. The value Gradio gets is `parameter.default` anyway."""
    if not parameter.has_default:
        return False, None
    value: Any = parameter.default
    # Gradio's defaults for file inputs are FileData objects; the schema takes their URL.
    if parameter.file == "single" and isinstance(value, Mapping) and value.get("url"):
        value = value["url"]
    elif parameter.file == "list" and isinstance(value, list):
        value = [v["url"] if isinstance(v, Mapping) and v.get("url") else v for v in value]
    # A default the schema rejects (typically None for a string) would confuse clients that
    # prefill forms or validate defaults, so it is only advertised when it fits. Falsy values
    # like False, 0 and "" are real defaults and stay.
    try:
        valid = jsonschema.Draft202012Validator(fragment).is_valid(value)
    except jsonschema.exceptions.RefResolutionError:  # pragma: no cover - broken upstream refs
        valid = False
    return valid, copy.deepcopy(value)


def _rewrite_refs(node: Any, rewrite: Mapping[str, str], root_pointer: str) -> Any:
    """Make the `$ref`s of one parameter's fragment point into the tool's whole schema."""
    if isinstance(node, list):
        return [_rewrite_refs(item, rewrite, root_pointer) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str) and value.startswith("#"):
            for old, new in rewrite.items():
                if value == old or value.startswith(old + "/"):
                    value = new + value[len(old) :]
                    break
            else:
                value = root_pointer + value[1:]
            out[key] = value
        else:
            out[key] = _rewrite_refs(value, rewrite, root_pointer)
    return out


def _hoist_definitions(fragment: dict[str, Any], name: str, defs: dict[str, Any]) -> dict[str, Any]:
    """Move a fragment's `$defs` to the root, where its `#/$defs/...` refs will look."""
    rewrite: dict[str, str] = {}
    hoisted: list[tuple[str, Any]] = []
    for key in ("$defs", "definitions"):  # pydantic 1 wrote "definitions"
        for def_name, definition in (fragment.pop(key, None) or {}).items():
            target = def_name
            if target in defs and defs[target] != definition:
                target = f"{def_name}__{sanitize_name(name)}"
            rewrite[f"#/{key}/{def_name}"] = f"#/$defs/{target}"
            hoisted.append((target, definition))
    escaped = name.replace("~", "~0").replace("/", "~1")
    pointer = f"#/properties/{escaped}"
    for target, definition in hoisted:
        defs[target] = _rewrite_refs(definition, rewrite, pointer)
    hoisted_fragment: dict[str, Any] = _rewrite_refs(fragment, rewrite, pointer)
    return hoisted_fragment


def build_input_schema(endpoint: Endpoint) -> dict[str, Any]:
    """The MCP input schema of an endpoint: an object with one property per parameter."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for parameter in endpoint.parameters:
        fragment = copy.deepcopy(parameter.schema)
        advertise, default = _schema_default(parameter, fragment)
        fragment = _hoist_definitions(fragment, parameter.name, defs)
        if advertise:
            fragment["default"] = default
        description = str(fragment.get("description") or parameter.description or "").strip()
        if not description and parameter.label and parameter.label != parameter.name:
            description = parameter.label
        if parameter.file and not _mentions_url(description):
            hint = f"Give {_file_hint(parameter)}."
            description = f"{description.rstrip('.')}. {hint}" if description else hint
        if description:
            fragment["description"] = description
        properties[parameter.name] = fragment
        if parameter.required:
            required.append(parameter.name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:  # an empty list is invalid in draft 4, which some clients still use
        schema["required"] = required
    schema["additionalProperties"] = False
    if defs:
        schema["$defs"] = defs
    return schema


# --------------------------------------------------------------------------------------------
# Tools and the catalog


def _space_label(space: GradioSpace) -> str:
    meta = space.metadata
    if meta and meta.title:
        return f"{meta.emoji} {meta.title}".strip() if meta.emoji else meta.title
    return space.id


def _tool_title(space: GradioSpace, endpoint: Endpoint) -> str:
    return f"{_space_label(space)}: {endpoint.api_name.lstrip('/')}"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


def _tool_description(space: GradioSpace, endpoint: Endpoint) -> str:
    api = "/" + endpoint.api_name.lstrip("/")
    origin = f"Gradio Space {space.id}, endpoint {api}"
    described = _sentence(endpoint.description or "")
    if described:
        parts = [f"{described} ({origin})"]
    else:
        title = space.metadata.title if space.metadata and space.metadata.title else None
        named = f' "{title}"' if title else ""
        parts = [f"Calls the {api} endpoint of the Gradio Space {space.id}{named}."]
    files = [p.name for p in endpoint.parameters if p.file]
    if files:
        listed = ", ".join(f"'{name}'" for name in files)
        parts.append(f"File inputs ({listed}) take an http(s) URL or a data: URI.")
    if endpoint.returns and "returns:" not in described.lower():
        outputs = [
            f"{r.label} ({r.component})" if r.label and r.component else (r.label or r.component)
            for r in endpoint.returns
        ]
        shown = [o for o in outputs if o]
        if shown:
            parts.append(f"Returns: {', '.join(shown)}.")
    if endpoint.generator:
        parts.append("Streams intermediate results as progress; the result is the final one.")
    return " ".join(parts)


def build_tool(
    space: GradioSpace,
    endpoint: Endpoint,
    name: ToolName | str,
    *,
    annotations: ToolAnnotations | None = None,
) -> Tool:
    """The MCP `Tool` for one endpoint of a discovered space."""
    names = name if isinstance(name, ToolName) else ToolName(name, name)
    title = _tool_title(space, endpoint)
    base = annotations or TOOL_ANNOTATIONS
    return Tool(
        name=names.name,
        title=title,
        description=_tool_description(space, endpoint),
        input_schema=build_input_schema(endpoint),
        # Clients of the 2025-03-26 era read the title only from the annotations.
        annotations=base.model_copy(update={"title": title}),
        # The field's alias: mypy (without pydantic's plugin) only knows the constructor by it.
        _meta={
            f"{_META_PREFIX}space": space.id,
            f"{_META_PREFIX}endpoint": "/" + endpoint.api_name.lstrip("/"),
            f"{_META_PREFIX}qualified_name": names.qualified_name,
        },
    )


@dataclass(frozen=True)
class ToolRef:
    """What a tool name stands for: the space and endpoint a call goes to."""

    name: str
    qualified_name: str
    space_id: str
    api_name: str
    space: GradioSpace = field(compare=False, repr=False)
    endpoint: Endpoint = field(compare=False, repr=False)


@dataclass(frozen=True)
class ToolCatalog:
    """The tools and prompts of a list of spaces, and the index from names back to endpoints."""

    tools: tuple[Tool, ...]
    prompts: tuple[Prompt, ...]
    refs: tuple[ToolRef, ...]
    _by_name: Mapping[str, ToolRef] = field(repr=False, compare=False)

    def resolve(self, name: str) -> ToolRef:
        """The endpoint behind a listed or qualified tool (or prompt) name."""
        ref = self._by_name.get(name)
        if ref is None:
            raise UnknownNameError("tool", name)
        return ref

    def tool(self, name: str) -> Tool:
        ref = self.resolve(name)
        return next(tool for tool in self.tools if tool.name == ref.name)

    def prompt(self, name: str) -> Prompt:
        try:
            ref = self.resolve(name)
        except UnknownNameError:
            raise UnknownNameError("prompt", name) from None
        return next(prompt for prompt in self.prompts if prompt.name == ref.name)


def build_catalog(
    spaces: Iterable[GradioSpace],
    *,
    max_name_length: int = DEFAULT_NAME_LENGTH,
    annotations: ToolAnnotations | None = None,
    name_style: str = "space",
) -> ToolCatalog:
    """Tools and prompts for every endpoint of every discovered space, in input order.

    Pass all requested spaces, failed ones included: they contribute no tools, but their ids
    take part in naming so that a failure does not rename anybody else's tools.
    """
    spaces = list(spaces)
    pairs: list[tuple[GradioSpace, Endpoint]] = []
    seen: set[tuple[str, str]] = set()
    for space in spaces:
        for endpoint in space.endpoints if space.ok else ():
            key = (space.id, endpoint.api_name.lstrip("/"))
            if key not in seen:  # the same space requested twice lists its tools once
                seen.add(key)
                pairs.append((space, endpoint))
    names = assign_tool_names(
        [space.id for space in spaces],
        [(space.id, endpoint.api_name) for space, endpoint in pairs],
        max_length=max_name_length,
        style=name_style,
    )
    tools: list[Tool] = []
    prompts: list[Prompt] = []
    refs: list[ToolRef] = []
    for space, endpoint in pairs:
        api_name = endpoint.api_name.lstrip("/")
        tool_name = names[(space.id, api_name)]
        tools.append(build_tool(space, endpoint, tool_name, annotations=annotations))
        prompts.append(build_prompt(space, endpoint, tool_name.name))
        refs.append(
            ToolRef(tool_name.name, tool_name.qualified_name, space.id, api_name, space, endpoint)
        )
    by_name: dict[str, ToolRef] = {ref.name: ref for ref in refs}
    for ref in refs:  # listed names win if a qualified alias ever looks like one of them
        by_name.setdefault(ref.qualified_name, ref)
    return ToolCatalog(tuple(tools), tuple(prompts), tuple(refs), by_name)


# --------------------------------------------------------------------------------------------
# Argument checks and Gradio's positional data


def _is_file_reference(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the type check reports non-strings
    lowered = value[:8].lower()
    return lowered.startswith(("http://", "https://", "data:"))


# Only our file parameters carry format "uri" (schemas.py puts it there), and what calls.py
# can fetch or upload is exactly an http(s) URL or a data: URI, so "uri" is checked as that.
_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("uri")(_is_file_reference)


def _show(value: Any, limit: int = 60) -> str:
    """A value as JSON, cut short: a data: URI in an error message helps nobody."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _explain(error: jsonschema.ValidationError) -> str:
    value, rule, bound = error.instance, error.validator, error.validator_value
    if rule == "type":
        wanted = " or ".join(bound) if isinstance(bound, list) else str(bound)
        return f"expected {wanted}, got {_json_type(value)} {_show(value)}"
    if rule == "enum":
        return f"{_show(value)} is not one of {_show(bound, 200)}"
    if rule == "const":
        return f"expected {_show(bound)}, got {_show(value)}"
    if rule == "maximum":
        return f"{_show(value)} is greater than the maximum of {bound}"
    if rule == "minimum":
        return f"{_show(value)} is less than the minimum of {bound}"
    if rule == "exclusiveMaximum":
        return f"{_show(value)} must be less than {bound}"
    if rule == "exclusiveMinimum":
        return f"{_show(value)} must be greater than {bound}"
    if rule == "format" and bound == "uri":
        return f"expected an http(s) URL or a data: URI, got {_show(value)}"
    if rule in ("minLength", "maxLength", "minItems", "maxItems", "pattern"):
        return f"{_show(value)} fails {rule} {_show(bound)}"
    message = str(error.message)
    return message if len(message) <= 200 else message[:197] + "..."


def _argument_path(path: Sequence[str | int]) -> str:
    name = str(path[0])
    for step in path[1:]:
        name += f"[{step}]" if isinstance(step, int) else f".{step}"
    return name


@dataclass(frozen=True)
class _Problem:
    order: tuple[int, int]  # (kind, parameter position) for a stable, readable listing
    kind: str  # "unknown", "missing" or "invalid"
    text: str


def _problems(schema: Mapping[str, Any], arguments: Any) -> list[_Problem]:
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        return [_Problem((0, 0), "invalid", "arguments must be a JSON object")]
    properties: Mapping[str, Any] = schema.get("properties", {})
    position = {name: i for i, name in enumerate(properties)}
    found: list[_Problem] = []
    # Unknown and missing arguments are worked out directly: jsonschema reports them as one
    # error per keyword whose wording names neither the argument nor what is accepted.
    unknown = [name for name in arguments if name not in properties]
    if unknown and schema.get("additionalProperties") is False:
        accepted = ", ".join(properties) or "none"
        for name in unknown:
            found.append(
                _Problem((0, 0), "unknown", f"unknown argument '{name}' (accepted: {accepted})")
            )
    for name in schema.get("required", []):
        if name not in arguments:
            found.append(
                _Problem(
                    (1, position.get(name, 0)), "missing", f"missing required argument '{name}'"
                )
            )
    validator = jsonschema.Draft202012Validator(schema, format_checker=_FORMATS)
    known = {name: value for name, value in arguments.items() if name in properties}
    for error in validator.iter_errors(known):
        path = list(error.absolute_path)
        if not path:
            continue  # root-level required/additionalProperties: reported above
        where = _argument_path(path)
        found.append(
            _Problem(
                (2, position.get(str(path[0]), 0)),
                "invalid",
                f"argument '{where}': {_explain(error)}",
            )
        )
    unique = {problem.text: problem for problem in found}
    return sorted(unique.values(), key=lambda problem: problem.order)


def _schema_of(target: Endpoint | Tool | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(target, Endpoint):
        return build_input_schema(target)
    if isinstance(target, Tool):
        return target.input_schema
    return target


def validate_arguments(
    target: Endpoint | Tool | Mapping[str, Any], arguments: Mapping[str, Any] | None
) -> list[str]:
    """Every problem with `arguments` against an endpoint's input schema; empty when fine."""
    return [problem.text for problem in _problems(_schema_of(target), arguments)]


def check_arguments(
    target: Endpoint | Tool | Mapping[str, Any],
    arguments: Mapping[str, Any] | None,
    *,
    tool_name: str | None = None,
) -> None:
    """Raise `ToolArgumentError` listing every problem, before anything goes upstream."""
    problems = validate_arguments(target, arguments)
    if problems:
        if tool_name is None:
            tool_name = (
                target.name
                if isinstance(target, Tool)
                else str(getattr(target, "api_name", "tool"))
            )
        raise ToolArgumentError(tool_name, problems)


def positional_data(endpoint: Endpoint, arguments: Mapping[str, Any] | None) -> list[Any]:
    """Gradio's positional `data` list for a call: parameter order, defaults filled in.

    With an `input_layout` (from `/config`), State slots are sent as null where Gradio expects
    them. Values are passed as given; file URLs are left for the caller to turn into FileData.
    """
    arguments = arguments or {}
    values: list[Any] = []
    missing: list[str] = []
    for parameter in endpoint.parameters:
        if parameter.name in arguments:
            values.append(arguments[parameter.name])
        elif parameter.has_default:
            # A copy, so that a caller rewriting file inputs in place cannot alter the
            # endpoint's defaults for the next call.
            values.append(copy.deepcopy(parameter.default))
        elif parameter.required:
            missing.append(parameter.name)
            values.append(None)
        else:
            values.append(None)
    if missing:
        raise ToolArgumentError(
            endpoint.api_name, [f"missing required argument '{name}'" for name in missing]
        )
    if endpoint.input_layout is None:
        return values
    return [None if slot is None else values[slot] for slot in endpoint.input_layout]


# --------------------------------------------------------------------------------------------
# Prompts


def _type_hint(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "array":
        items = schema.get("items")
        inner = _type_hint(items) if isinstance(items, Mapping) else ""
        return f"array of {inner}" if inner else "array"
    return str(kind) if kind else ""


def _prompt_argument(parameter: Parameter, schema: Mapping[str, Any]) -> PromptArgument:
    notes: list[str] = []
    hint = _type_hint(schema)
    if hint:
        notes.append("JSON " + hint if hint not in ("string", "") else hint)
    choices = schema.get("enum") or (schema.get("items") or {}).get("enum")
    if choices:
        notes.append("one of " + ", ".join(_show(c) for c in choices))
    if "minimum" in schema and "maximum" in schema:
        notes.append(f"from {schema['minimum']} to {schema['maximum']}")
    if "default" in schema:
        notes.append(f"default {_show(schema['default'])}")
    text = str(schema.get("description") or "").strip()
    detail = f" ({'; '.join(notes)})" if notes else ""
    return PromptArgument(
        name=parameter.name,
        title=parameter.label or None,
        description=(text + detail).strip() or None,
        required=parameter.required,
    )


def build_prompt(space: GradioSpace, endpoint: Endpoint, name: str) -> Prompt:
    """A prompt that collects an endpoint's arguments and asks the assistant to call its tool."""
    schema = build_input_schema(endpoint)
    properties = schema["properties"]
    return Prompt(
        name=name,
        title=_tool_title(space, endpoint),
        description=f"Ask the assistant to call the tool {name}. "
        + _tool_description(space, endpoint),
        arguments=[_prompt_argument(p, properties[p.name]) for p in endpoint.parameters],
    )


def _coerce(value: str, schema: Mapping[str, Any]) -> Any:
    """Prompt arguments arrive as strings; read them as JSON where the schema wants non-strings."""
    kind = schema.get("type")
    if kind == "string" or (isinstance(kind, list) and "string" in kind):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def render_prompt(
    catalog: ToolCatalog, prompt_name: str, arguments: Mapping[str, str] | None = None
) -> GetPromptResult:
    """`prompts/get`: a user message asking for a call of the prompt's tool with these values."""
    try:
        ref = catalog.resolve(prompt_name)
    except UnknownNameError:
        raise UnknownNameError("prompt", prompt_name) from None
    schema = build_input_schema(ref.endpoint)
    properties: Mapping[str, Any] = schema["properties"]
    given: dict[str, Any] = {}
    ignored: list[str] = []
    for key, raw in (arguments or {}).items():
        if key not in properties:
            ignored.append(key)
        elif raw != "":  # prompt forms send blank fields as "": the user gave nothing
            given[key] = _coerce(raw, properties[key])

    api = "/" + ref.api_name
    lines = [f"Call the tool `{ref.name}` (Gradio Space {ref.space_id}, endpoint {api})"]
    if given:
        lines[0] += " with these arguments:"
        lines.append(json.dumps(given, indent=2, ensure_ascii=False))
    else:
        lines[0] += "."
    problems = [p.text for p in _problems(schema, given) if p.kind != "missing"]
    missing = [p for p in ref.endpoint.parameters if p.required and p.name not in given]
    left_out = [p for p in ref.endpoint.parameters if not p.required and p.name not in given]
    if missing:
        asked = "; ".join(
            f"{p.name}"
            + (
                f" ({properties[p.name]['description']})"
                if properties[p.name].get("description")
                else ""
            )
            for p in missing
        )
        lines.append(f"These required arguments are missing, so ask me for them first: {asked}.")
    if problems:
        lines.append(
            "These values do not fit the tool's schema; check them with me: "
            + "; ".join(problems)
            + "."
        )
    if left_out:
        lines.append(
            "Optional arguments not given keep their defaults: "
            + ", ".join(
                p.name
                + (
                    f" = {_show(properties[p.name]['default'])}"
                    if "default" in properties[p.name]
                    else ""
                )
                for p in left_out
            )
            + "."
        )
    if ignored:
        lines.append("Ignore these unknown arguments: " + ", ".join(ignored) + ".")
    return GetPromptResult(
        description=f"Call {ref.name} on the Gradio Space {ref.space_id}",
        messages=[PromptMessage(role="user", content=TextContent(text="\n\n".join(lines)))],
    )


# --------------------------------------------------------------------------------------------
# Pagination

_CURSOR_PREFIX = "gmcp1:"  # a version, so a future cursor format can tell old cursors apart


def encode_cursor(offset: int) -> str:
    """An opaque cursor for the page starting at `offset`."""
    if offset < 0:
        raise ValueError(f"cursor offset must be >= 0, got {offset}")
    raw = f"{_CURSOR_PREFIX}{offset}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset inside a cursor from `encode_cursor`; ValueError for anything else."""
    bad = ValueError(f"invalid cursor {_show(cursor, 40)}: use a nextCursor this server returned")
    if not isinstance(cursor, str) or not cursor or len(cursor) > 64:
        raise bad
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    digits = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not digits.isdigit() or not digits.isascii():
        raise bad
    return int(digits)


def paginate(items: Sequence[T], cursor: str | None, page_size: int) -> tuple[list[T], str | None]:
    """One page of `items` and the cursor of the next page (None on the last page).

    A cursor past the end (the list shrank since it was issued) gives an empty last page
    rather than an error: the client did nothing wrong.
    """
    if page_size < 1:
        raise ValueError(f"page size must be >= 1, got {page_size}")
    start = 0 if cursor is None else decode_cursor(cursor)
    end = start + page_size
    page = list(items[start:end])
    return page, (encode_cursor(end) if end < len(items) else None)
