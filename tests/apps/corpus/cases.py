"""The calls the compatibility test makes on the corpus apps, with the same inputs for
gradio_client and for an MCP client.

A file is written `F("name")`: gradio_client gets `handle_file(path)` (it uploads the file),
the MCP client gets a `data:` URI of the same bytes (gradio-mcp uploads it). Every other value
is sent as is to both.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

APPS = ("media", "values", "chat")


@dataclass(frozen=True)
class F:
    """A sample file, by name (see `write_samples`)."""

    name: str


@dataclass(frozen=True)
class Case:
    app: str
    api: str
    inputs: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # tells two cases of one endpoint apart

    @property
    def key(self) -> str:
        return f"{self.app}/{self.api}" + (f" ({self.label})" if self.label else "")


def _png(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _wav() -> bytes:
    rate, frames = 8000, 400
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                for i in range(frames)
            )
        )
    return buffer.getvalue()


def write_samples(directory: Path) -> dict[str, Path]:
    """The sample files the cases use, written to `directory`."""
    contents = {
        "red.png": _png((220, 20, 20), (6, 4)),
        "blue.png": _png((20, 20, 220), (4, 4)),
        "tone.wav": _wav(),
        "clip.mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64),
        "cube.obj": b"v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\n",
        "a.txt": b"alpha\n",
        "b.txt": b"beta beta\n",
        "c.txt": b"gamma\n",
    }
    paths = {}
    for name, data in contents.items():
        path = directory / name
        path.write_bytes(data)
        paths[name] = path
    return paths


CASES: tuple[Case, ...] = (
    # media: files at the top, in lists and inside structures
    Case("media", "image_invert", {"image": F("red.png"), "label": "pic"}),
    Case("media", "image_path", {"image": F("red.png"), "scale": 2}),
    Case("media", "annotate", {"image": F("blue.png"), "label": "box"}),
    Case("media", "audio_echo", {"audio": F("tone.wav"), "mic": F("tone.wav")}),
    Case("media", "audio_tone", {"frequency": 300}),
    Case("media", "video_echo", {"video": F("clip.mp4"), "playable": F("clip.mp4")}),
    Case("media", "model3d_echo", {"model": F("cube.obj")}),
    Case(
        "media",
        "files_summary",
        {"files": [F("a.txt"), F("b.txt")], "more": [F("c.txt")], "upload": [F("a.txt")]},
    ),
    Case("media", "one_file", {"file": F("a.txt"), "binary": F("b.txt")}),
    Case(
        "media",
        "gallery_captions",
        {
            "gallery": [
                {"image": F("red.png"), "caption": "red"},
                {"image": F("blue.png"), "caption": None},
            ],
            "prefix": "#",
        },
    ),
    Case("media", "gallery_mixed", {"n": 3}),
    Case("media", "slider_swap", {"pair": [F("red.png"), F("blue.png")]}),
    Case(
        "media",
        "editor",
        {
            "editor": {
                "background": F("red.png"),
                "layers": [F("blue.png")],
                "composite": F("red.png"),
            },
            "mask": {"background": F("blue.png"), "layers": [], "composite": F("blue.png")},
        },
    ),
    Case(
        "media",
        "sketch",
        {
            "sketchpad": {"background": None, "layers": [], "composite": F("blue.png")},
            "paint": {"background": None, "layers": [F("red.png")], "composite": F("red.png")},
        },
    ),
    Case("media", "multimodal", {"message": {"text": "hi", "files": [F("a.txt"), F("red.png")]}}),
    # values: text, numbers, choices, tables, plots, labels, state, validators, gr.api
    Case(
        "values",
        "text_kinds",
        {
            "text": "hello",
            "area": "a\nb",
            "code": "x = 1",
            "color": "#ff8800",
            "when": "2024-01-02 03:04:05",
        },
    ),
    Case(
        "values",
        "choices",
        {
            "number": 1.5,
            "whole": 3,
            "slider": 2.5,
            "flag": True,
            "radio": 2,
            "dropdown": "green",
            "paired": 2,
            "custom": "zzz",
            "multi": ["a", "c"],
            "group": ["q"],
        },
    ),
    Case(
        "values",
        "tables",
        {
            "frame": {"headers": ["x", "y"], "data": [["a", 1], ["b", 2], ["c", 3]]},
            "numbers": {"headers": ["1", "2"], "data": [[1, 2], [3, 4]]},
            "matrix": {"headers": ["1", "2"], "data": [[5, 6]]},
            "rows": {"headers": ["1"], "data": [["r"]]},
        },
    ),
    Case(
        "values",
        "highlight",
        {
            "text": "the quick brown fox",
            "spans": [
                {"token": "the ", "class_or_confidence": None},
                {"token": "quick", "class_or_confidence": "adj"},
            ],
        },
    ),
    Case("values", "json_and_plot", {"data": {"a": [1, 2], "b": None}, "title": "t"}),
    Case(
        "values",
        "dialogue",
        {
            "lines": [{"speaker": "Ann", "text": "hi"}, {"speaker": "Bob", "text": "yo"}],
            "speakers": "2",
        },
    ),
    Case(
        "values",
        "picks",
        {"sample": 1, "tick": 3, "tree": [["docs", "a.txt"], ["b.txt"]], "stored": {"x": 1}},
    ),
    Case("values", "remember", {"word": "w"}),
    Case("values", "fill_choices", {"seed": "s"}),
    Case("values", "use_choice", {"choice": "p"}, "choices filled at run time"),
    Case("values", "person", {"name": "Ann", "age": 30}),
    Case("values", "person", {"name": "Ann", "age": 1}, "fails validation"),
    Case("values", "countdown", {"n": 3}),
    Case("values", "greet", {"name": "Bo"}),
    Case("values", "add", {"a": 1, "b": 2, "names": ["b", "a"]}),
    Case("values", "describe", {"values": {"y": 2.0, "x": 1.0}, "scale": 2}),
    # chat: messages with files, additional inputs and outputs, streaming
    Case(
        "chat",
        "chat_mm",
        {"message": {"text": "hi", "files": [F("red.png")]}, "temperature": 0.2, "model": "m2"},
    ),
    Case("chat", "chat_stream", {"message": "one two three"}),
    Case(
        "chat",
        "annotate_chat",
        {
            "history": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "look"},
                        {"type": "file", "file": F("red.png")},
                    ],
                },
                {"role": "assistant", "content": [{"type": "text", "text": "seen"}]},
            ],
            "note": "ok",
        },
    ),
)
