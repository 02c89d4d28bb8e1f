"""What a Gradio version's own gradio_client gets from the versions app (versions_app.py).

Runs inside that version's virtualenv (gradio_client 0.6 to 2.x): reads the calls as JSON on
stdin (`[{"api": "echo", "args": [...], "files": [argument positions that are paths]}]`),
makes each with a fresh client, and prints one JSON result per call: the value (files as
{"sha256", "size"} of their bytes), every value a generator streamed, and any error.
Imports only gradio_client and the standard library.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from typing import Any

from gradio_client import Client

try:  # gradio_client >= 1.0 wants files wrapped; older ones take the path itself
    from gradio_client import handle_file
except ImportError:
    handle_file = None


def _file_or_value(value: Any) -> Any:
    if isinstance(value, str) and os.path.isfile(value):
        with open(value, "rb") as handle:
            data = handle.read()
        return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    if isinstance(value, dict) and isinstance(value.get("path"), str):
        return _file_or_value(value["path"])
    return value


def _call(url: str, call: dict[str, Any], out: str) -> dict[str, Any]:
    args = list(call["args"])
    for position in call.get("files", []):
        if handle_file is not None:
            args[position] = handle_file(args[position])
    try:
        client = Client(url, verbose=False, download_files=out)
    except TypeError:  # before gradio_client 1.0: output_dir
        client = Client(url, verbose=False, output_dir=out)
    try:
        job = client.submit(*args, api_name="/" + call["api"])
        value = job.result(timeout=120)
        streamed = [_file_or_value(v) for v in job.outputs()]
        return {"ok": True, "value": _file_or_value(value), "streamed": streamed}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
    finally:
        close = getattr(client, "close", None)
        if close is not None:
            close()


def main() -> None:
    url = sys.argv[1]
    calls = json.load(sys.stdin)
    with tempfile.TemporaryDirectory(prefix="versions_reference_") as out:
        results = [_call(url, call, out) for call in calls]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
