"""What a tool's annotations say: only what is known.

A Gradio endpoint runs somebody else's code on somebody else's machine, so gradio_mcp cannot
know whether a call only reads, destroys something, or may be repeated safely. Those hints
are left unset (a client then assumes the spec's defaults: may write, may destroy, not
idempotent) unless the operator vouches for them in `GRADIO_MCP_TOOL_HINTS`, per space or per
endpoint, an endpoint's own words taking precedence over its space's. `openWorldHint` is
always true: every call reaches a remote service.
"""

from __future__ import annotations

from mcp.types import ToolAnnotations

from gradio_mcp.config import parse_tool_hints


class ToolHints:
    """The operator's declarations, looked up per endpoint."""

    def __init__(self, text: str = "") -> None:
        # Space ids are matched without regard to case, as the Hub matches them.
        self.rules = {
            (space.lower(), endpoint): hints
            for (space, endpoint), hints in parse_tool_hints(text).items()
        }

    def __bool__(self) -> bool:
        return bool(self.rules)

    def annotations(self, space_id: str, api_name: str) -> ToolAnnotations:
        """Annotations for one endpoint: open world, plus what the operator declared."""
        space_key = space_id.lower()
        declared = dict(self.rules.get((space_key, None), {}))
        declared.update(self.rules.get((space_key, api_name.lstrip("/")), {}))
        return ToolAnnotations.model_validate(
            {"openWorldHint": True, **{name: value for name, value in declared.items()}}
        )
