"""Corpus app: chat. A multimodal ChatInterface with extra inputs, a streaming one with an
extra output, and a Chatbot whose messages carry files, in and out.

Run with ``python chat.py --port 7883``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
from PIL import Image

from gradio_mcp.dev.demo_apps._serve import serve

_OUT = Path(tempfile.mkdtemp(prefix="gradio_mcp_corpus_chat_"))


def reply(message: dict[str, Any], history: list[Any], temperature: float, model: str) -> str:
    """Answer a multimodal message: its text, how many files, and the settings."""
    files = message.get("files") or []
    return f"{model}@{temperature}: {message.get('text', '')} ({len(files)} file(s))"


def stream(message: str, history: list[Any]) -> Iterator[tuple[str, int]]:
    """Stream the message back word by word, with a running word count."""
    out = ""
    for i, word in enumerate(message.split(), start=1):
        out += word + " "
        yield out.strip(), i


def annotate_chat(history: list[dict[str, Any]], note: str) -> tuple[list[dict[str, Any]], str]:
    """Reply to a chat whose messages may carry files: count them and attach a picture."""
    files = 0
    for message in history:
        for part in message.get("content") or []:
            if isinstance(part, dict) and part.get("type") == "file":
                files += 1
    picture = _OUT / "reply.png"
    Image.new("RGB", (4, 4), (10, 200, 30)).save(picture)
    answer = [
        *history,
        {"role": "assistant", "content": f"{note}: {files} file(s) seen"},
        {"role": "assistant", "content": {"path": str(picture)}},
        gr.ChatMessage(
            role="assistant", content="looked it up", metadata={"title": "Tool", "status": "done"}
        ),
    ]
    return answer, f"{len(history)} message(s)"


def build() -> gr.Blocks:
    with gr.Blocks(title="Corpus: chat") as demo:
        gr.ChatInterface(
            reply,
            multimodal=True,
            additional_inputs=[
                gr.Slider(0, 1, value=0.5, label="Temperature"),
                gr.Dropdown(["m1", "m2"], value="m1", label="Model"),
            ],
            api_name="chat_mm",
        )
        gr.ChatInterface(
            stream,
            additional_outputs=[gr.Number(label="Words")],
            api_name="chat_stream",
        )
        history = gr.Chatbot(label="History")
        note = gr.Textbox(value="ok", label="Note")
        gr.Button("annotate").click(
            annotate_chat,
            [history, note],
            [gr.Chatbot(label="Answer"), gr.Textbox(label="Seen")],
            api_name="annotate_chat",
        )
    return demo


def main() -> None:
    serve(build, default_port=7883, description=__doc__)


if __name__ == "__main__":
    main()
