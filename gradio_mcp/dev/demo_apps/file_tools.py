"""File handling: inspect an uploaded file, and write a text file for download.

Run with ``python file_tools.py --port 7863``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from gradio_mcp.dev.demo_apps._serve import serve


def file_info(file: str, head_bytes: float = 16) -> dict[str, Any]:
    """Describe an uploaded file.

    Args:
        file: The file to inspect.
        head_bytes: How many leading bytes to return (as text, undecodable bytes replaced).

    Returns:
        The file's name, size in bytes, line count and first bytes.
    """
    path = Path(file)
    data = path.read_bytes()
    return {
        "name": path.name,
        "size": len(data),
        "lines": data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0),
        "head": data[: int(head_bytes)].decode("utf-8", errors="replace"),
    }


def write_file(text: str, filename: str = "note.txt", lines: float = 3) -> str:
    """Write a text file made of numbered copies of a line.

    Args:
        text: The line of text to write.
        filename: The name of the file to produce (letters, digits, dot, dash, underscore).
        lines: How many numbered lines to write.

    Returns:
        The written file.
    """
    safe = "".join(c for c in filename if c.isalnum() or c in "._-") or "note.txt"
    target = Path(tempfile.mkdtemp(prefix="gradio_mcp_demo_")) / safe
    target.write_text("".join(f"{i + 1}: {text}\n" for i in range(int(lines))), encoding="utf-8")
    return str(target)


def build() -> gr.Blocks:
    demo = gr.Blocks(title="File tools")
    with demo:
        upload = gr.File(label="File", type="filepath")
        head = gr.Number(value=16, precision=0, label="Head bytes")
        info = gr.JSON(label="Info")
        gr.Button("Inspect").click(file_info, [upload, head], info, api_name="file_info")

        text = gr.Textbox(value="hello", label="Text")
        filename = gr.Textbox(value="note.txt", label="File name")
        lines = gr.Slider(minimum=1, maximum=100, step=1, value=3, label="Lines")
        written = gr.File(label="Written file")
        gr.Button("Write").click(
            write_file, [text, filename, lines], written, api_name="write_file"
        )
    return demo


if __name__ == "__main__":
    serve(build, default_port=7863, description=__doc__)
