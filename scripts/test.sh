#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run them with the linters.
# Used as written by README.md and by .ci/run. Safe to run again: each step skips itself
# when its work is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: headless Chromium drives the dashboard test; npm bootstraps Node 22
# (any system Node will do, Node 22 itself comes from npm); the shared-cache tests start
# their own redis-server on loopback; promtool (below) checks the alert rules. Needs root or
# sudo.
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ -n "$missing" ]; then
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
# promtool checks and unit-tests the example alert rules. It comes in Debian's prometheus
# package, which would also start a Prometheus server (and its recommends, an exporter):
# install without recommends, with service starts refused while it installs, and make sure
# no server was left running.
if ! command -v promtool >/dev/null 2>&1; then
    refuse_starts=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
        $SUDO chmod +x /usr/sbin/policy-rc.d
        refuse_starts=1
    fi
    [ -n "$missing" ] || $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        prometheus >/dev/null
    [ -z "$refuse_starts" ] || $SUDO rm -f /usr/sbin/policy-rc.d
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
        $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
fi

# The package, Gradio (for the example apps) and the test tools, in a project venv.
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

# Node 22, the MCP conformance suite (0.1.16, and 0.2.0-alpha.12 in .tools/conformance-next)
# and the Inspector CLI, from npm, into .tools/.
bash scripts/node-tools.sh

# One virtualenv per old Gradio version for the version-matrix test, cached outside the repo.
bash scripts/gradio-venvs.sh

.venv/bin/ruff check gradio_mcp tests
.venv/bin/ruff format --check gradio_mcp tests
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
