"""A Gradio app whose endpoints are the tools and prompts the MCP conformance suite calls.

Served through gradio_mcp with bare endpoint names (`GRADIO_MCP_TOOL_NAMES=endpoint`), each
api_name below becomes the tool (and prompt) name a scenario of
`@modelcontextprotocol/conformance` asks for, with the behaviour the scenario checks.

Run with ``python conformance_app.py --port 7870``.
"""

from __future__ import annotations

import asyncio
import os
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
import numpy as np
from PIL import Image

from gradio_mcp.dev.demo_apps._serve import serve

SIMPLE_TEXT = "This is a simple text response for testing."
ERROR_TEXT = "This tool intentionally returns an error for testing"


def test_simple_text() -> str:
    """Return a fixed sentence (tools-call-simple-text)."""
    return SIMPLE_TEXT


def test_image_content() -> Image.Image:
    """Return a 1x1 red PNG (tools-call-image)."""
    return Image.new("RGB", (1, 1), (255, 0, 0))


def test_audio_content() -> tuple[int, np.ndarray]:
    """Return a tenth of a second of a 440 Hz tone as WAV (tools-call-audio)."""
    rate = 8000
    t = np.arange(rate // 10) / rate
    return rate, (0.2 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)


def test_error_handling() -> str:
    """Always fail (tools-call-error)."""
    raise gr.Error(ERROR_TEXT)


def test_tool_with_progress(progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
    """Report progress 0/100, 50/100 and 100/100 with pauses (tools-call-with-progress)."""
    for done in (0, 50, 100):
        progress((done, 100), desc="working", unit="percent")
        # Longer than the server's progress coalescing interval (1/20 s), so none merge.
        time.sleep(0.15)
    return "Progress test completed"


def test_simple_prompt() -> str:
    """A prompt without arguments (prompts-get-simple)."""
    return "This is a simple prompt for testing."


def test_prompt_with_arguments(arg1: str, arg2: str) -> str:
    """A prompt with two arguments (prompts-get-with-args).

    Args:
        arg1: First test argument.
        arg2: Second test argument.
    """
    return f"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"


# The tasks extension's scenarios (conformance 0.2.0-alpha, "tasks-*") call these.
def greet(name: str) -> str:
    """Say hello at once (tasks-*: a call that never becomes a task).

    Args:
        name: Who to greet.
    """
    return f"Hello, {name}!"


async def slow_compute(seconds: float, label: str) -> str:
    """Sleep, then answer (tasks-*: a call that outlives the task threshold). Asynchronous, so
    that cancelling the job really stops it.

    Args:
        seconds: How long to work.
        label: A name for the run, echoed back.
    """
    await asyncio.sleep(max(0.0, min(float(seconds), 120.0)))
    return f"Computed {label} in {seconds} s"


async def failing_job() -> str:
    """Fail after about a second (tasks-*: a tool error, not a protocol error)."""
    await asyncio.sleep(1.0)
    raise gr.Error("failing_job always fails")


def build() -> gr.Blocks:
    with gr.Blocks(title="MCP conformance") as demo:
        text = gr.Textbox(label="Text")
        image = gr.Image(label="Image", type="pil", format="png")
        audio = gr.Audio(label="Audio", type="numpy", format="wav")
        gr.Button("Text").click(test_simple_text, None, text, api_name="test_simple_text")
        gr.Button("Image").click(test_image_content, None, image, api_name="test_image_content")
        gr.Button("Audio").click(test_audio_content, None, audio, api_name="test_audio_content")
        gr.Button("Error").click(test_error_handling, None, text, api_name="test_error_handling")
        gr.Button("Progress").click(
            test_tool_with_progress, None, text, api_name="test_tool_with_progress"
        )
        gr.Button("Prompt").click(test_simple_prompt, None, text, api_name="test_simple_prompt")
        arg1 = gr.Textbox(label="arg1")
        arg2 = gr.Textbox(label="arg2")
        gr.Button("Prompt with arguments").click(
            test_prompt_with_arguments, [arg1, arg2], text, api_name="test_prompt_with_arguments"
        )
        name = gr.Textbox(label="name")
        seconds = gr.Number(label="seconds")
        label = gr.Textbox(label="label")
        gr.Button("Greet").click(greet, name, text, api_name="greet")
        # Several scenarios run long calls at once, and cancel them: no queueing behind one.
        gr.Button("Slow").click(
            slow_compute, [seconds, label], text, api_name="slow_compute", concurrency_limit=None
        )
        gr.Button("Fail").click(
            failing_job, None, text, api_name="failing_job", concurrency_limit=None
        )
    return demo


def main() -> None:
    serve(build, default_port=7870, description=__doc__)


if __name__ == "__main__":
    main()
