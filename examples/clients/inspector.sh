#!/usr/bin/env bash
# Talk to a running gradio-mcp with the MCP Inspector's CLI (npx fetches it). Inspector 2.12.0
# needs Node >= 22.19; older Inspectors pick by npx on Node 20 (0.15) reject --header.
#
# The defaults fit `gradio-mcp demo` on 127.0.0.1:8000. For your own spaces:
#   MCP_URL=http://127.0.0.1:8000/mcp SPACE=owner/space TOOL=space__predict \
#   TOOL_ARGS="text=hello" HF_TOKEN=hf_... bash inspector.sh
# Tool names are <space name>__<endpoint>: owner/my-space's /predict is my-space__predict.
set -euo pipefail

MCP_URL="${MCP_URL:-http://127.0.0.1:8000/mcp}"
SPACE="${SPACE:-demo/text-tools}"
TOOL="${TOOL:-text-tools__letter_counter}"
read -r -a TOOL_ARGS <<<"${TOOL_ARGS:-word=strawberry letter=r}"
HF_TOKEN="${HF_TOKEN:-hf_demo_token}"   # the demo's private space accepts this one
# An installed Inspector instead of npx: INSPECTOR=/path/to/node_modules/.bin/mcp-inspector
read -r -a INSPECTOR <<<"${INSPECTOR:-npx -y @modelcontextprotocol/inspector@2.12.0}"
INSPECTOR+=(--cli)

url="$MCP_URL?gradio=$SPACE"
auth="Authorization: Bearer $HF_TOKEN"

echo "# tools/list on $url" >&2
"${INSPECTOR[@]}" "$url" --transport http --header "$auth" --method tools/list

echo "# tools/call $TOOL ${TOOL_ARGS[*]}" >&2
"${INSPECTOR[@]}" "$url" --transport http --header "$auth" \
    --method tools/call --tool-name "$TOOL" --tool-arg "${TOOL_ARGS[@]}"
