"""One Gradio app that runs unchanged on every Gradio from 3.50 to 6.x, for the version matrix
(tests/gradio_versions.py, tests/test_gradio_versions.py).

Five endpoints, one per kind of thing a protocol must carry: text; numbers, a slider, a
dropdown and a checkbox (with defaults); a PIL image out (a file); a generator reporting
gr.Progress (streamed values and progress, and where cancel is seen); a file in.

`count` writes each step it takes to the file named by VERSIONS_APP_JOURNAL (one line per
step, "<key> <i>"), so a test can tell whether a cancel reached the app: the steps stop.

It imports nothing but Gradio and Pillow, so that it runs in each version's own virtualenv.
Run with ``python versions_app.py --port 7880``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
from PIL import Image

JOURNAL = os.environ.get("VERSIONS_APP_JOURNAL")
COLOURS = {"red": (220, 40, 40), "green": (40, 180, 60), "blue": (40, 80, 220)}


def echo(text: str) -> str:
    """Give the text back with a marker."""
    return f"echo: {text}"


def mix(number: float, slider: float, choice: str, flag: bool) -> str:
    """Combine a number, a slider, a dropdown choice and a checkbox into one line."""
    return f"number={number} slider={slider} choice={choice} flag={flag}"


def image(width: float, colour: str) -> Any:
    """A small image of one colour."""
    size = max(1, min(int(width), 256))
    return Image.new("RGB", (size, size // 2 or 1), COLOURS.get(colour, (0, 0, 0)))


def _journal(line: str) -> None:
    if JOURNAL:
        with open(JOURNAL, "a", encoding="utf-8") as out:
            out.write(line + "\n")


def count(
    key: str,
    n: float,
    delay: float,
    progress: gr.Progress = gr.Progress(),  # noqa: B008
) -> Iterator[str]:
    """Count to n, one step every `delay` seconds, reporting progress on the way."""
    total = max(1, min(int(n), 100))
    text = ""
    for i in range(1, total + 1):
        progress((i - 1, total), desc="counting")
        time.sleep(max(0.0, min(float(delay), 5.0)))
        _journal(f"{key} {i}")
        text = f"{text} {i}".strip()
        yield text


def inspect(file: Any) -> str:
    """The size and digest of an uploaded file (a path on Gradio 4+, a temp file on 3.x)."""
    path = file if isinstance(file, str) else file.name
    with open(path, "rb") as handle:
        data = handle.read()
    return f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}"


def build() -> gr.Blocks:
    with gr.Blocks(title="versions app") as demo:
        text = gr.Textbox(label="text")
        echoed = gr.Textbox(label="echoed")
        gr.Button("echo").click(echo, [text], [echoed], api_name="echo")

        number = gr.Number(label="number", value=3)
        slider = gr.Slider(0, 10, value=5, step=1, label="slider")
        choice = gr.Dropdown(["alpha", "beta", "gamma"], value="beta", label="choice")
        flag = gr.Checkbox(value=True, label="flag")
        mixed = gr.Textbox(label="mixed")
        gr.Button("mix").click(mix, [number, slider, choice, flag], [mixed], api_name="mix")

        width = gr.Number(label="width", value=16)
        colour = gr.Radio(["red", "green", "blue"], value="red", label="colour")
        picture = gr.Image(type="pil", label="picture")
        gr.Button("image").click(image, [width, colour], [picture], api_name="image")

        key = gr.Textbox(label="key", value="job")
        steps = gr.Number(label="n", value=3)
        delay = gr.Number(label="delay", value=0.1)
        counted = gr.Textbox(label="counted")
        gr.Button("count").click(count, [key, steps, delay], [counted], api_name="count")

        upload = gr.File(label="file")
        digest = gr.Textbox(label="digest")
        gr.Button("inspect").click(inspect, [upload], [digest], api_name="inspect")
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7880)
    args = parser.parse_args()
    options: dict[str, Any] = {}
    if int(gr.__version__.split(".")[0]) >= 5:
        options["ssr_mode"] = False
    build().queue().launch(
        server_name=args.host,
        server_port=args.port,
        show_error=True,
        share=False,
        quiet=True,
        **options,
    )


if __name__ == "__main__":
    main()
