"""Gradio's queue protocols: which one a space speaks, and which ones gradio_mcp can call.

A space's protocol is read once, from its `/config`, at discovery (`SpaceSchema.protocol`,
`.api_prefix`, `.gradio_version`) and kept with its schema; `call_endpoint` finds its
module here (`protocol_module`). Everything around the queue (arguments and uploads, outputs
and files, progress, replica pinning, the read limits, cancellation and the shutdown guard)
is shared by all of them in `gradio._call.Call`; a protocol (`gradio._call.QueueProtocol`)
only says how a job is submitted, how its messages arrive and how it is cancelled.

| `/config`                          | Gradio      | module          |
|------------------------------------|-------------|-----------------|
| `"protocol": "sse"`                | 4.0 - 4.1x  | `_sse_queue`    |
| `"sse_v1"`, `"sse_v2"`, `"sse_v2.1"` | 4.1x - 4.2x | `_sse_queue`    |
| `"sse_v3"`                         | 4.3x - 6.x  | `_sse_queue`    |
| no `protocol`, version 3.x (`"ws"`) | 3.x         | `_websocket`    |

Adding a protocol: write the module named in `PROTOCOL_MODULES`, with a
`PROTOCOLS: dict[str, QueueProtocol]` (`_websocket.py` is an example) whose objects have
`async upload(call, data) -> data` (the `PendingUpload`s of `data:` URI arguments turned into
what the space takes: `call.upload_files` posts them to `{prefix}/upload` as Gradio 4 and
later want), `async run(call, data) -> list[OutputValue]` (submit `data`, Gradio's positional
list, and return `call.outputs(raw_data)`; report progress through `call.on_gradio_progress`
and `call.tracker`; raise `CallError` for failures) and `async cancel(call)` (best effort,
bounded by `CANCEL_TIMEOUT`; `call.post_quietly`). A protocol counts as callable as soon as
its module exists: `protocol_problem` reads this registry.
"""

from __future__ import annotations

import importlib.util
import re

from gradio_mcp.models import SpaceSchema

# The protocol each module speaks, by the name discovery gives it (`SpaceSchema.protocol`).
PROTOCOL_MODULES = {
    "sse": "_sse_queue",
    "sse_v1": "_sse_queue",
    "sse_v2": "_sse_queue",
    "sse_v2.1": "_sse_queue",
    "sse_v3": "_sse_queue",
    "ws": "_websocket",
}
# What a space without a known protocol gets (no /config read): Gradio 5 and later's.
DEFAULT_PROTOCOL = "sse_v3"
_DESCRIBED = {"ws": "websocket queue"}
_VERSION = re.compile(r"(\d+)\.(\d+)")


def gradio_major_minor(version: str | None) -> tuple[int, int] | None:
    match = _VERSION.match(version or "")
    return (int(match[1]), int(match[2])) if match else None


def _module_exists(module: str) -> bool:
    return importlib.util.find_spec(f"{__package__}.{module}") is not None


def protocol_problem(schema: SpaceSchema) -> str | None:
    """Why the space's Gradio cannot be called, in words; None when it can.

    Gradio 2 and earlier never can. A protocol can when its module is in the registry and
    exists; a space whose protocol is unknown (no /config) is tried with the current one."""
    version = schema.gradio_version
    numbers = gradio_major_minor(version)
    shown = f"Gradio {numbers[0]}.{numbers[1]}" if numbers else f"Gradio {version}"
    if numbers is not None and numbers[0] < 3:
        return f"{shown} is not supported"
    protocol = schema.protocol
    if protocol is None:
        return None
    module = PROTOCOL_MODULES.get(protocol)
    if module is None:
        return f"{shown}: its queue protocol {protocol!r} is not supported"
    if not _module_exists(module):
        return f"{shown} ({_DESCRIBED.get(protocol, protocol)}) is not supported"
    return None


def protocol_module(name: str | None) -> str | None:
    """The module (in this package) that speaks protocol `name` (None: the default one);
    None when gradio_mcp has none."""
    module = PROTOCOL_MODULES.get(name or DEFAULT_PROTOCOL)
    return module if module is not None and _module_exists(module) else None
