"""Cost of reading a space with many endpoints: `/gradio_api/info` + `/config` parsed into
endpoints, then the tools built from them, for 1,000 and 10,000 endpoints (three parameters
and one output each, as a typical Gradio function). Linear work shows as a constant cost per
endpoint; quadratic work as a cost per endpoint that grows tenfold with the count.

    .venv/bin/python benchmarks/parse_endpoints.py [--counts 1000 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import functools
import time
from typing import Any

from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.discovery._schema_parser import parse_space_schema
from gradio_mcp.models import GradioSpace, SpaceMetadata


def documents(count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """An /info and a /config with `count` endpoints, each with a textbox, a slider and a
    dropdown in, a textbox out, as Gradio 6 writes them."""
    named: dict[str, Any] = {}
    dependencies: list[dict[str, Any]] = []
    components: list[dict[str, Any]] = []
    for i in range(count):
        first = len(components)
        components += [
            {"id": first, "type": "textbox", "props": {"label": "Text"}},
            {"id": first + 1, "type": "slider", "props": {"minimum": 0, "maximum": 10}},
            {"id": first + 2, "type": "dropdown", "props": {"allow_custom_value": False}},
            {"id": first + 3, "type": "textbox", "props": {"label": "Result"}},
        ]
        named[f"/endpoint_{i}"] = {
            "parameters": [
                {
                    "label": "Text",
                    "parameter_name": "text",
                    "parameter_has_default": False,
                    "type": {"type": "string"},
                    "component": "Textbox",
                },
                {
                    "label": "Amount",
                    "parameter_name": "amount",
                    "parameter_has_default": True,
                    "parameter_default": 3,
                    "type": {"type": "number", "description": "numeric value between 0 and 10"},
                    "component": "Slider",
                },
                {
                    "label": "Mode",
                    "parameter_name": "mode",
                    "parameter_has_default": True,
                    "parameter_default": "fast",
                    "type": {"type": "string", "enum": ["fast", "slow"]},
                    "component": "Dropdown",
                },
            ],
            "returns": [{"label": "Result", "type": {"type": "string"}, "component": "Textbox"}],
            "description": f"Endpoint number {i}.",
        }
        dependencies.append(
            {
                "id": i,
                "api_name": f"endpoint_{i}",
                "inputs": [first, first + 1, first + 2],
                "outputs": [first + 3],
                "types": {"generator": False},
                "queue": True,
            }
        )
    info = {"named_endpoints": named, "unnamed_endpoints": {}}
    config = {"version": "6.31.0", "dependencies": dependencies, "components": components}
    return info, config


def best_of(repeat: int, work: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    metadata = SpaceMetadata(
        "bench/big", False, "gradio", "bench-big", "https://bench-big.hf.space"
    )
    print(f"{'endpoints':>10} {'parse s':>9} {'µs/endpoint':>12} {'tools s':>9} {'µs/tool':>9}")
    for count in args.counts:
        info, config = documents(count)
        parse_s, schema = best_of(args.repeat, functools.partial(parse_space_schema, info, config))
        assert len(schema.endpoints) == count
        space = GradioSpace("bench/big", metadata, schema)
        tools_s, catalog = best_of(args.repeat, functools.partial(build_catalog, [space]))
        assert len(catalog.tools) == count and not catalog.failures
        print(
            f"{count:>10} {parse_s:>9.3f} {parse_s / count * 1e6:>12.1f}"
            f" {tools_s:>9.3f} {tools_s / count * 1e6:>9.1f}"
        )


if __name__ == "__main__":
    main()
