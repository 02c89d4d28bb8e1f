"""What a tool name stands for: the space, the endpoint, the MCP tool, its argument checker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jsonschema
from mcp.types import Tool

from gradio_mcp.catalog._arguments import ArgumentChecker
from gradio_mcp.models import Endpoint, GradioSpace


@dataclass(frozen=True)
class ToolRef:
    """What a tool name stands for: the space and endpoint a call goes to, and its tool."""

    name: str
    qualified_name: str
    space_id: str
    api_name: str
    space: GradioSpace = field(compare=False, repr=False)
    endpoint: Endpoint = field(compare=False, repr=False)
    tool: Tool = field(compare=False, repr=False)

    @property
    def input_schema(self) -> Mapping[str, Any]:
        return self.tool.input_schema

    @cached_property
    def output_validator(self) -> jsonschema.protocols.Validator | None:
        """The compiled check of results against the tool's output schema, if it has one."""
        schema = self.tool.output_schema
        if schema is None:
            return None
        return jsonschema.Draft202012Validator(schema)

    @cached_property
    def checker(self) -> ArgumentChecker:
        """The tool's argument checker, compiled on first use and kept with the catalog."""
        return ArgumentChecker(self.tool.input_schema)
