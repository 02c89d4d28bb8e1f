"""Hypothesis strategies for the documents a Gradio space serves: `/gradio_api/info`,
`/config` and `/gradio_api/mcp/schema`, shaped like Gradio's, with hostile variants mixed in
at every level (odd types, objects where text is expected, huge or deep values, unicode,
unknown components). What `loads_json` can hand over is what they generate: JSON values,
finite numbers only (it reads NaN and Infinity as null).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Names the three documents share, so that endpoints, dependencies and MCP tools line up.
API_NAMES = ["predict", "/predict", "chat", "chat", "<lambda>", "a b", "ünïcode", "x" * 300]
COMPONENTS = ["Textbox", "Slider", "Image", "File", "Gallery", "Chatbot", "State", "Mystery"]
JSON_TYPES = ["string", "number", "integer", "boolean", "array", "object", "null", "file"]

texts = st.text(max_size=40) | st.sampled_from(["", " ", "\n", '__i18n__{"key": 1}', "é" * 50])
numbers = (
    st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([10**400, -(10**400)])
)
leaves: st.SearchStrategy[Any] = st.none() | st.booleans() | numbers | texts
# Any JSON value: what a space sends where we expect something else.
hostile: st.SearchStrategy[Any] = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the well-formed value, sometimes anything at all."""
    return st.integers(0, 5).flatmap(lambda roll: hostile if roll == 0 else strategy)


def _optional_keys(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={key: _maybe(value) for key, value in fields.items()})


def _document(
    always: dict[str, st.SearchStrategy[Any]], /, **optional: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """An object with the keys Gradio always writes (each possibly hostile) and some of the
    others."""
    return st.fixed_dictionaries(
        {key: _maybe(value) for key, value in always.items()},
        optional={key: _maybe(value) for key, value in optional.items()},
    )


# JSON Schema fragments as Gradio writes them, and ones it never would.
type_schemas: st.SearchStrategy[Any] = st.recursive(
    _optional_keys(
        type=st.sampled_from(JSON_TYPES) | st.lists(st.sampled_from(JSON_TYPES), max_size=3),
        description=texts,
        title=texts | st.sampled_from(["FileData", "Slider"]),
        enum=st.lists(leaves, max_size=5),
        default=leaves,
        minimum=numbers,
        maxLength=st.integers(-5, 10**6),
        required=st.lists(texts, max_size=3),
        pattern=st.just("(a+)+$"),
        format=st.sampled_from(["uri", "date", "x"]),
        **{"$ref": st.sampled_from(["#/$defs/FileData", "#/nowhere", "http://x/", "%%"])},
    ),
    lambda inner: _optional_keys(
        type=st.sampled_from(["object", "array"]),
        properties=st.dictionaries(texts, inner, max_size=4),
        items=inner | st.booleans(),
        anyOf=st.lists(inner, max_size=3),
        additionalProperties=inner | st.booleans(),
        **{"$defs": st.dictionaries(st.sampled_from(["FileData", "x"]), inner, max_size=2)},
    ),
    max_leaves=8,
)
labels = texts | st.fixed_dictionaries({"key": texts}) | hostile

# A FileData object schema as Gradio writes it, so that file positions are exercised.
file_data = st.just(
    {
        "properties": {
            "path": {"type": "string"},
            "meta": {"default": {"_type": "gradio.FileData"}},
            "url": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["path"],
        "title": "FileData",
        "type": "object",
    }
)
value_schemas = (
    type_schemas | file_data | st.builds(lambda f: {"type": "array", "items": f}, file_data)
)

parameters = _document(
    {"label": labels, "parameter_name": texts, "type": value_schemas},
    parameter_has_default=st.booleans(),
    parameter_default=hostile,
    python_type=st.fixed_dictionaries({"type": st.sampled_from(["str", "filepath"])}),
    component=st.sampled_from(COMPONENTS),
)
returns = _document({"label": labels, "type": value_schemas}, component=st.sampled_from(COMPONENTS))
endpoint_infos = _document(
    {
        "parameters": st.lists(_maybe(parameters), min_size=1, max_size=4),
        "returns": st.lists(_maybe(returns), min_size=1, max_size=3),
    },
    description=texts,
    api_visibility=st.sampled_from(["public", "public", "public", "private"]),
)
api_names = st.sampled_from(API_NAMES) | texts

infos = _document(
    {"named_endpoints": st.dictionaries(api_names, _maybe(endpoint_infos), min_size=1, max_size=4)},
    unnamed_endpoints=hostile,
)

components = _document(
    {
        "id": st.integers(0, 6),
        "type": st.sampled_from(["state", "slider", "textbox", "dropdown", "mystery"]),
    },
    skip_api=st.booleans(),
    props=_optional_keys(
        allow_custom_value=st.booleans(), minimum=numbers, maximum=numbers, label=labels
    ),
)
dependencies = _document(
    {
        "api_name": api_names,
        "inputs": st.lists(_maybe(st.integers(0, 6)), max_size=4),
        "outputs": st.lists(_maybe(st.integers(0, 6)), max_size=3),
    },
    id=st.integers(0, 10),
    types=_optional_keys(generator=st.booleans()),
    queue=st.booleans(),
)
configs = st.none() | _document(
    {
        "dependencies": st.lists(_maybe(dependencies), min_size=1, max_size=4),
        "components": st.lists(_maybe(components), max_size=6),
    },
    version=texts,
    mcp_server=st.booleans(),
    max_file_size=st.integers(-1, 10**12),
    api_prefix=st.sampled_from(["/gradio_api", "/x/", "@evil.example", "/../a"]) | texts,
)

mcp_tools = _document(
    {
        "name": api_names,
        "inputSchema": _document(
            {
                "type": st.just("object"),
                "properties": st.dictionaries(texts, type_schemas, max_size=4),
            },
            required=st.lists(texts, max_size=3),
        ),
    },
    description=texts,
    meta=_optional_keys(endpoint_name=api_names, mcp_type=st.sampled_from(["tool", "prompt"])),
)
mcp_schemas = (
    st.none()
    | st.lists(_maybe(mcp_tools), max_size=4)
    | st.dictionaries(api_names, _maybe(type_schemas), max_size=3)
    | hostile
)


@st.composite
def consistent_documents(draw: st.DrawFn) -> tuple[Any, Any, Any]:
    """An /info with a /config that matches it (one dependency per endpoint, its inputs and
    outputs as components, State and sliders among them), so that call details and output
    schemas are built too; the values inside are as hostile as anywhere else."""
    info = draw(infos)
    named = info.get("named_endpoints") if isinstance(info, dict) else None
    if not isinstance(named, dict):
        return info, draw(configs), None
    deps: list[Any] = []
    comps: list[Any] = []
    for index, (name, endpoint) in enumerate(named.items()):
        endpoint = endpoint if isinstance(endpoint, dict) else {}
        counts = [endpoint.get(k) for k in ("parameters", "returns")]
        n_in, n_out = (len(c) if isinstance(c, list) else 0 for c in counts)
        ids: list[list[int]] = [[], []]
        for side, count in enumerate((n_in, n_out)):
            for _ in range(count):
                kind = draw(st.sampled_from(["textbox", "slider", "dropdown", "image"]))
                props = draw(
                    _optional_keys(
                        minimum=numbers, maximum=numbers, allow_custom_value=st.booleans()
                    )
                )
                comps.append({"id": len(comps), "type": kind, "props": props})
                ids[side].append(len(comps) - 1)
            if draw(st.booleans()):  # a State slot, which /info does not show
                comps.append({"id": len(comps), "type": "state"})
                ids[side].insert(draw(st.integers(0, len(ids[side]))), len(comps) - 1)
        deps.append(
            {
                "id": index,
                "api_name": name,
                "inputs": ids[0],
                "outputs": ids[1],
                "types": {"generator": draw(st.booleans())},
            }
        )
    return info, {"dependencies": deps, "components": comps}, draw(mcp_schemas)
