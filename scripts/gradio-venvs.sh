#!/usr/bin/env bash
# One virtualenv per old Gradio version, for the version-matrix tests (tests/gradio_versions.py).
# They live outside the repo, in ${GRADIO_MCP_VENVS_DIR:-$HOME/.cache/gradio-mcp/venvs}, so that
# runs on the same machine reuse them; a fresh machine builds them (in parallel, a few minutes
# with an empty pip cache). The current Gradio 6.x is the project venv's own.
#
# Idempotent and quiet on success: a venv counts as built only when its `.complete` stamp exists,
# written after its install finished, so an interrupted build is thrown away and redone. A lock per
# venv lets two runs (or two helpers) share the directory. On failure the install log is printed.
set -euo pipefail

root="${GRADIO_MCP_VENVS_DIR:-$HOME/.cache/gradio-mcp/venvs}"
python="${GRADIO_MCP_VENVS_PYTHON:-python3}"
mkdir -p "$root"

# version|extra pins. The pins are what these versions need to install and run with today's
# PyPI (newer fastapi/pydantic/httpx/huggingface_hub releases break their imports or routes).
specs=(
    '3.50.2|fastapi==0.104.1 pydantic<2.6 huggingface_hub<0.26'
    '4.0.2|fastapi==0.104.1 pydantic==2.5.3 gradio-client==0.7.0'
    '4.19.2|fastapi==0.109.2 pydantic==2.6.1 gradio-client==0.10.1 numpy<2 websockets<12 huggingface_hub<1'
    '4.44.1|fastapi==0.115.0 httpx==0.27.2 huggingface_hub<1 pydantic==2.10.6'
    '5.50.0|'
)

build() {
    local version="$1" pins="$2"
    local dir="$root/gradio-$version"
    exec 9>"$root/gradio-$version.lock"
    flock 9
    [ -e "$dir/.complete" ] && return 0
    rm -rf "$dir"
    {
        "$python" -m venv "$dir" &&
            "$dir/bin/python" -m pip install -q --upgrade pip &&
            # shellcheck disable=SC2086
            "$dir/bin/python" -m pip install -q "gradio==$version" $pins &&
            "$dir/bin/python" -c "import gradio, gradio_client" &&
            touch "$dir/.complete"
    } >"$root/gradio-$version.log" 2>&1 || {
        echo "gradio-venvs: building Gradio $version failed; the end of $root/gradio-$version.log:" >&2
        grep -v "^WARNING: Location" "$root/gradio-$version.log" | tail -n 30 >&2
        return 1
    }
}

pids=()
for spec in "${specs[@]}"; do
    build "${spec%%|*}" "${spec#*|}" &
    pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
exit "$status"
