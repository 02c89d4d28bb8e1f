"""What a tool name stands for: the space, the endpoint, the MCP tool (kept in JSON form), its
argument checker."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from mcp.types import Tool

from gradio_mcp.catalog._arguments import ArgumentChecker
from gradio_mcp.catalog._tools import tool_from_form
from gradio_mcp.models import Endpoint, GradioSpace

_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class ToolRef:
    """What a tool name stands for: the space and endpoint a call goes to, and its tool in
    JSON form (`tool_form`: as listed, and never changed)."""

    name: str
    qualified_name: str
    space_id: str
    api_name: str
    space: GradioSpace = field(compare=False, repr=False)
    endpoint: Endpoint = field(compare=False, repr=False)
    form: dict[str, Any] = field(compare=False, repr=False)
    # Compiled on first use and kept with the catalog (slots: a catalog holds thousands).
    _validator: Any = field(default=_UNSET, init=False, compare=False, repr=False)
    _checker: Any = field(default=_UNSET, init=False, compare=False, repr=False)

    @property
    def tool(self) -> Tool:
        """The tool as an MCP model, made from its form on each call."""
        return tool_from_form(self.form)

    @property
    def input_schema(self) -> Mapping[str, Any]:
        schema: Mapping[str, Any] = self.form["inputSchema"]
        return schema

    @property
    def output_validator(self) -> jsonschema.protocols.Validator | None:
        """The compiled check of results against the tool's output schema, if it has one."""
        if self._validator is _UNSET:
            schema = self.form.get("outputSchema")
            compiled = None if schema is None else jsonschema.Draft202012Validator(schema)
            object.__setattr__(self, "_validator", compiled)
        validator: jsonschema.protocols.Validator | None = self._validator
        return validator

    @property
    def checker(self) -> ArgumentChecker:
        """The tool's argument checker, compiled on first use and kept with the catalog."""
        if self._checker is _UNSET:
            object.__setattr__(self, "_checker", ArgumentChecker(self.input_schema))
        checker: ArgumentChecker = self._checker
        return checker
