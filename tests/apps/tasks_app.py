"""A Gradio app with slow endpoints whose pace the test sets, for the tasks tests.

`steps` counts to n, but takes step i only once `allow(key, i)` was called: a test decides
when the job moves on, instead of guessing how long it takes. While it waits it yields its
text again every quarter second, which is where Gradio can stop it when the job is
cancelled. `journal(key)` tells what became of a job, as the app saw it.

Run with ``python tasks_app.py --port 7871``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
from PIL import Image

from gradio_mcp.dev.demo_apps._serve import serve

ALLOWED: dict[str, int] = {}
JOURNAL: dict[str, dict[str, object]] = {}
POLL = 0.05
REPEAT_EVERY = 5  # polls between repeated yields while waiting


def _wait_for(key: str, step: int, deadline: float) -> Iterator[None]:
    polls = 0
    while ALLOWED.get(key, 0) < step:
        if time.monotonic() > deadline:
            JOURNAL[key]["state"] = "timed out"
            raise gr.Error(f"step {step} of {key!r} was never allowed")
        time.sleep(POLL)
        polls += 1
        if polls % REPEAT_EVERY == 0:
            yield


def steps(
    key: str,
    n: float = 3,
    limit: float = 60,
    progress: gr.Progress = gr.Progress(),  # noqa: B008
) -> Iterator[str]:
    """Count to n, one step each time the test allows it.

    Args:
        key: Names this job for allow() and journal().
        n: Steps to take.
        limit: Seconds to wait for the steps to be allowed.
    """
    total = max(int(n), 1)
    entry: dict[str, object] = {"steps": 0, "state": "running"}
    JOURNAL[key] = entry
    deadline = time.monotonic() + limit
    text = f"step 0 of {total}"
    try:
        for i in range(1, total + 1):
            progress((i - 1, total), desc="step", unit="steps")
            for _ in _wait_for(key, i, deadline):
                yield text
            text = f"step {i} of {total}"
            entry["steps"] = i
            yield text
        entry["state"] = "finished"
    except GeneratorExit:
        entry["state"] = "stopped"  # Gradio closes the generator of a cancelled job
        raise


def picture(key: str, limit: float = 60) -> Iterator[Image.Image | None]:
    """A 3x2 green image, once the test allows step 1.

    Args:
        key: Names this job for allow() and journal().
        limit: Seconds to wait.
    """
    JOURNAL[key] = {"steps": 0, "state": "running"}
    for _ in _wait_for(key, 1, time.monotonic() + limit):
        yield None
    JOURNAL[key] = {"steps": 1, "state": "finished"}
    yield Image.new("RGB", (3, 2), (0, 200, 0))


def allow(key: str, upto: float) -> str:
    """Let the job `key` take its steps up to `upto`."""
    ALLOWED[key] = int(upto)
    return key


def journal(key: str) -> str:
    """What the job `key` did, as JSON: {"steps": n, "state": "running|finished|stopped"}."""
    return json.dumps(JOURNAL.get(key, {"steps": 0, "state": "unknown"}))


def echo(message: str) -> str:
    """Return the message, at once."""
    return message


def build() -> gr.Blocks:
    with gr.Blocks(title="Tasks") as demo:
        key = gr.Textbox(label="Key")
        n = gr.Number(value=3, label="Steps")
        limit = gr.Number(value=60, label="Limit (s)")
        text = gr.Textbox(label="Output")
        image = gr.Image(label="Image", type="pil", format="png")
        # Tests hold several jobs open at once; do not queue them behind each other.
        gr.Button("Steps").click(
            steps, [key, n, limit], text, api_name="steps", concurrency_limit=32
        )
        gr.Button("Picture").click(
            picture, [key, limit], image, api_name="picture", concurrency_limit=32
        )
        upto = gr.Number(value=1, label="Up to")
        gr.Button("Allow").click(allow, [key, upto], text, api_name="allow", queue=False)
        gr.Button("Journal").click(journal, key, text, api_name="journal", queue=False)
        gr.Button("Echo").click(echo, text, text, api_name="echo", queue=False)
    return demo


def main() -> None:
    serve(build, default_port=7871, description=__doc__)


if __name__ == "__main__":
    main()
