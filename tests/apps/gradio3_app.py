"""A Gradio 3.x app (3.50.2) with the five endpoints every version is tried with (issue 17),
plus what the cancel test needs. Runs under its own virtual environment, not the project's.

* `echo`: text in, the same text out.
* `numbers`: a number, a slider, a dropdown and a checkbox; echoes them as text, and twice
  the number.
* `picture`: a PIL image (sent back as a `data:` URI, as 3.x does), in a colour by name.
* `count`: a generator reporting `gr.Progress`; yields "1", "1 2", ... up to n.
* `file_info`: a file in; its size and first line out, and an upper-cased copy as a file.
* `slow` / `journal`: a generator that takes a step every 0.1 s and writes down how far it
  got and whether it was stopped; `journal` (no queue) reads that record.

Run with ``python gradio3_app.py --port 7873``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
from PIL import Image

COLOURS = {"red": (220, 40, 40), "green": (40, 160, 60), "blue": (40, 60, 220)}
JOURNAL: dict[str, dict[str, object]] = {}


def echo(text: str) -> str:
    return text


def numbers(number: float, slider: float, choice: str, flag: bool) -> tuple[str, float]:
    return f"number={number!r} slider={slider!r} choice={choice!r} flag={flag!r}", number * 2


def picture(colour: str) -> Image.Image:
    return Image.new("RGB", (8, 6), COLOURS.get(colour, (0, 0, 0)))


def count(n: float, progress: gr.Progress = gr.Progress()) -> Iterator[str]:  # noqa: B008
    done: list[str] = []
    total = int(n)
    for i in range(1, total + 1):
        progress((i - 1, total), desc="counting")
        done.append(str(i))
        time.sleep(0.05)
        yield " ".join(done)


def file_info(upload: Any) -> tuple[str, str]:
    # Gradio 3 hands over a temporary file object (`type="file"`, its default).
    with open(upload.name, "rb") as handle:
        content = handle.read()
    first = content.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as out:
        out.write(content.upper())
    return f"size={len(content)} first={first!r}", out.name


def slow(key: str, steps: float) -> Iterator[str]:
    record: dict[str, object] = {"step": 0, "state": "running"}
    JOURNAL[key] = record
    try:
        for i in range(1, int(steps) + 1):
            time.sleep(0.1)
            record["step"] = i
            yield f"step {i}"
        record["state"] = "finished"
    finally:
        if record["state"] == "running":
            record["state"] = "stopped"


def journal(key: str) -> str:
    return json.dumps(JOURNAL.get(key))


def build() -> gr.Blocks:
    with gr.Blocks(title="Gradio 3") as demo:
        text = gr.Textbox(label="Text")
        out = gr.Textbox(label="Output")
        gr.Button("Echo").click(echo, text, out, api_name="echo")

        number = gr.Number(value=3, label="Number")
        slider = gr.Slider(0, 10, value=4, step=1, label="Slider")
        choice = gr.Dropdown(["alpha", "beta", "gamma"], value="beta", label="Choice")
        flag = gr.Checkbox(value=True, label="Flag")
        doubled = gr.Number(label="Doubled")
        gr.Button("Numbers").click(
            numbers, [number, slider, choice, flag], [out, doubled], api_name="numbers"
        )

        colour = gr.Radio(list(COLOURS), value="red", label="Colour")
        image = gr.Image(type="pil", label="Picture")
        gr.Button("Picture").click(picture, colour, image, api_name="picture")

        n = gr.Number(value=4, label="Count to")
        gr.Button("Count").click(count, n, out, api_name="count")

        upload = gr.File(label="Upload")
        copy = gr.File(label="Upper-cased copy")
        gr.Button("File").click(file_info, upload, [out, copy], api_name="file_info")

        key = gr.Textbox(label="Key")
        steps = gr.Number(value=100, label="Steps")
        gr.Button("Slow").click(slow, [key, steps], out, api_name="slow")
        gr.Button("Journal").click(journal, key, out, api_name="journal", queue=False)
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7873)
    args = parser.parse_args()
    build().queue(concurrency_count=4).launch(
        server_name=args.host, server_port=args.port, show_error=True, quiet=True
    )


if __name__ == "__main__":
    main()
