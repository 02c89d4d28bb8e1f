"""Streaming: a generator that yields growing text while reporting gr.Progress.

Run with ``python streaming.py --port 7864``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from gradio_mcp.dev.demo_apps._serve import serve


def count_up(
    n: float = 5,
    delay: float = 0.1,
    prefix: str = "",
    progress: gr.Progress = gr.Progress(),  # noqa: B008
) -> Iterator[str]:
    """Count from 1 to n, yielding the text so far after each number.

    Args:
        n: The number to count up to (1 to 50).
        delay: Seconds to wait before each number.
        prefix: Text put in front of the count.

    Returns:
        The growing text, e.g. "1 2 3 ".
    """
    total = max(int(n), 1)
    text = prefix
    for i in range(total):
        progress((i, total), desc="counting", unit="steps")
        if delay > 0:
            time.sleep(delay)
        text += f"{i + 1} "
        yield text


def echo(message: str) -> str:
    """Return the message unchanged, without going through the queue.

    Args:
        message: The text to echo.

    Returns:
        The same text.
    """
    return message


def build() -> gr.Blocks:
    demo = gr.Blocks(title="Streaming")
    with demo:
        n = gr.Slider(minimum=1, maximum=50, step=1, value=5, label="Count to")
        delay = gr.Number(value=0.1, label="Delay (s)")
        prefix = gr.Textbox(value="", label="Prefix")
        out = gr.Textbox(label="Output")
        gr.Button("Count").click(count_up, [n, delay, prefix], out, api_name="count_up")

        message = gr.Textbox(value="ping", label="Message")
        echoed = gr.Textbox(label="Echo")
        gr.Button("Echo").click(echo, message, echoed, api_name="echo", queue=False)
    return demo


if __name__ == "__main__":
    serve(build, default_port=7864, description=__doc__)
