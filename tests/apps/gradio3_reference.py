"""What Gradio 3's own client (gradio_client 0.x, in the Gradio 3 virtual environment) gets
from an app, for the tests to compare with: `python gradio3_reference.py URL < cases.json`.

Each case is `{"api": "/name", "args": [...]}`; every output that is a file the client
downloaded comes back as `{"file_base64": ...}`, so the test compares bytes, not paths.
Prints one JSON list of `{"ok": bool, "value" | "error"}`.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from typing import Any

from gradio_client import Client


def _files_as_bytes(value: Any) -> Any:
    if isinstance(value, str) and os.path.isfile(value):
        with open(value, "rb") as handle:
            return {"file_base64": base64.b64encode(handle.read()).decode()}
    if isinstance(value, list | tuple):
        return [_files_as_bytes(item) for item in value]
    return value


def main() -> None:
    client = Client(sys.argv[1], verbose=False)
    results = []
    for case in json.load(sys.stdin):
        try:
            value = client.predict(*case["args"], api_name=case["api"])
        except Exception as exc:  # the app's error, reported like any result
            results.append({"ok": False, "error": str(exc)})
            continue
        results.append({"ok": True, "value": _files_as_bytes(value)})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
