"""Corpus app: every file-carrying component, as input and as output.

Files sit at the top level (Image, Audio, Video, Model3D, File), in lists (File multiple,
Files, UploadButton), and nested in structures (Gallery items with captions, ImageSlider
pairs, ImageEditor layers, AnnotatedImage annotations, MultimodalTextbox files).

Run with ``python media.py --port 7881``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
import numpy as np
from PIL import Image

from gradio_mcp.dev.demo_apps._serve import serve

_OUT = Path(tempfile.mkdtemp(prefix="gradio_mcp_corpus_media_"))


def _digest(path: str | None) -> str | None:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12] if path else None


def _text_file(name: str, text: str) -> str:
    target = _OUT / name
    target.write_text(text, encoding="utf-8")
    return str(target)


def image_invert(image: Image.Image, label: str) -> tuple[Image.Image, str]:
    """Invert the colours of an image.

    Args:
        image: The picture to invert.
        label: A label echoed back with the size.
    """
    inverted = Image.eval(image.convert("RGB"), lambda v: 255 - v)
    return inverted, f"{label}: {image.size[0]}x{image.size[1]}"


def image_path(image: str, scale: float) -> tuple[str, tuple[str, list[Any]]]:
    """Scale an image given as a file path, and annotate its top-left quarter."""
    with Image.open(image) as img:
        size = (max(1, int(img.width * scale)), max(1, int(img.height * scale)))
        scaled = img.convert("RGB").resize(size)
    target = _OUT / f"scaled_{size[0]}x{size[1]}.png"
    scaled.save(target)
    box = (0, 0, max(1, size[0] // 2), max(1, size[1] // 2))
    return str(target), (str(target), [(box, "top-left")])


def annotate(image: np.ndarray, label: str) -> tuple[np.ndarray, list[tuple[Any, str]]]:
    """Mark the top-left quarter of an image with a label (an AnnotatedImage output)."""
    h, w = image.shape[:2]
    return image, [((0, 0, max(1, w // 2), max(1, h // 2)), label)]


def audio_echo(audio: str, mic: str | None) -> tuple[str, float]:
    """Echo a sound file back and report its size in bytes (a Microphone input is optional)."""
    return audio, float(Path(audio).stat().st_size + (Path(mic).stat().st_size if mic else 0))


def audio_tone(frequency: float) -> tuple[int, np.ndarray]:
    """A tenth of a second of a tone, as numpy audio."""
    rate = 8000
    t = np.arange(rate // 10) / rate
    return rate, (np.sin(2 * np.pi * frequency * t) * 16000).astype(np.int16)


def video_echo(video: str, playable: str | None) -> tuple[str, str | None]:
    """Echo a video back, and a second one through a PlayableVideo."""
    return video, playable


def model3d_echo(model: str) -> tuple[str, str]:
    """Echo a 3D model and say how many vertices it has."""
    text = Path(model).read_text(encoding="utf-8", errors="replace")
    return model, f"{sum(1 for line in text.splitlines() if line.startswith('v '))} vertices"


def files_summary(
    files: list[str], more: list[str] | None, upload: list[str] | None
) -> tuple[dict[str, Any], list[str], str, str]:
    """Summarise several files: names and digests, the files back, one joined file."""
    every = [*files, *(more or []), *(upload or [])]
    summary = {Path(f).name: _digest(f) for f in every}
    joined = _text_file("joined.txt", "\n".join(sorted(summary)))
    return summary, files, joined, joined


def single_file(file: str, binary: bytes) -> tuple[str, int]:
    """A File given as a path and one given as bytes: echo the first, count the second."""
    return file, len(binary)


def gallery_captions(gallery: list[tuple[str, str | None]], prefix: str) -> list[Any]:
    """Return the gallery with each caption prefixed, and a new image appended."""
    out: list[Any] = [(path, f"{prefix}{caption or ''}") for path, caption in gallery]
    out.append((Image.new("RGB", (3, 2), (0, 128, 255)), f"{prefix}new"))
    return out


def gallery_mixed(n: float) -> list[Any]:
    """A gallery made here: n images, some without a caption, and a video."""
    out: list[Any] = []
    for i in range(int(n)):
        img = Image.new("RGB", (2, 2), (i * 40 % 256, 0, 0))
        out.append((img, f"image {i}") if i % 2 == 0 else img)
    video = _OUT / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(32))
    out.append((str(video), "a video"))
    return out


def slider_swap(pair: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
    """Swap the two images of an ImageSlider."""
    first, second = pair
    return second, first


def editor_flatten(
    editor: dict[str, Any], mask: dict[str, Any]
) -> tuple[Image.Image | None, dict[str, Any], str]:
    """Flatten an ImageEditor value to its composite; return a mask editor value unchanged."""
    layers = len(editor.get("layers") or [])
    return editor.get("composite"), mask, f"{layers} layer(s)"


def sketch(sketchpad: dict[str, Any], paint: dict[str, Any]) -> str:
    """Count what a Sketchpad and a Paint input carry."""
    return f"sketch {sketchpad.get('background') is not None}, paint {len(paint['layers'])}"


def multimodal(message: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Echo a multimodal message with its text upper-cased, and list the file names."""
    files = message.get("files") or []
    names = ", ".join(sorted(Path(f).name for f in files))
    return {"text": str(message.get("text", "")).upper(), "files": files}, names


def build() -> gr.Blocks:
    with gr.Blocks(title="Corpus: media") as demo:
        img_in = gr.Image(type="pil", label="Picture")
        label_in = gr.Textbox(value="img", label="Label")
        img_out = gr.Image(label="Inverted")
        size_out = gr.Textbox(label="Size")
        gr.Button("invert").click(
            image_invert, [img_in, label_in], [img_out, size_out], api_name="image_invert"
        )

        path_in = gr.Image(type="filepath", label="Image file")
        scale = gr.Slider(0.5, 2, value=1, step=0.5, label="Scale")
        path_out = gr.Image(type="filepath", label="Scaled")
        annotated_path = gr.AnnotatedImage(label="Quarter")
        gr.Button("scale").click(
            image_path, [path_in, scale], [path_out, annotated_path], api_name="image_path"
        )

        np_in = gr.Image(type="numpy", label="Array image")
        note = gr.Textbox(value="box", label="Note")
        annotated = gr.AnnotatedImage(label="Annotated")
        gr.Button("annotate").click(annotate, [np_in, note], annotated, api_name="annotate")

        audio_in = gr.Audio(type="filepath", label="Sound")
        mic = gr.Microphone(type="filepath", label="Mic")
        audio_out = gr.Audio(label="Echo")
        audio_size = gr.Number(label="Bytes")
        gr.Button("audio").click(
            audio_echo, [audio_in, mic], [audio_out, audio_size], api_name="audio_echo"
        )
        freq = gr.Number(value=440, label="Frequency")
        tone = gr.Audio(label="Tone")
        gr.Button("tone").click(audio_tone, freq, tone, api_name="audio_tone")

        video_in = gr.Video(label="Clip")
        playable = gr.PlayableVideo(label="Playable")
        video_out = gr.Video(label="Clip back")
        playable_out = gr.PlayableVideo(label="Playable back")
        gr.Button("video").click(
            video_echo, [video_in, playable], [video_out, playable_out], api_name="video_echo"
        )

        model_in = gr.Model3D(label="Model")
        model_out = gr.Model3D(label="Model back")
        vertices = gr.Textbox(label="Vertices")
        gr.Button("model").click(
            model3d_echo, model_in, [model_out, vertices], api_name="model3d_echo"
        )

        many = gr.File(file_count="multiple", label="Documents")
        more = gr.Files(label="More documents")
        upload = gr.UploadButton(file_count="multiple", label="Upload")
        summary = gr.JSON(label="Summary")
        many_out = gr.File(file_count="multiple", label="Documents back")
        joined = gr.File(label="Joined")
        download = gr.DownloadButton(label="Download")
        gr.Button("files").click(
            files_summary,
            [many, more, upload],
            [summary, many_out, joined, download],
            api_name="files_summary",
        )

        one = gr.File(label="One file")
        raw = gr.File(type="binary", label="Raw bytes")
        one_out = gr.File(label="One back")
        raw_len = gr.Number(precision=0, label="Length")
        gr.Button("single").click(single_file, [one, raw], [one_out, raw_len], api_name="one_file")

        gallery_in = gr.Gallery(label="Gallery", type="filepath")
        prefix = gr.Textbox(value="#", label="Prefix")
        gallery_out = gr.Gallery(label="Captioned")
        gr.Button("gallery").click(
            gallery_captions, [gallery_in, prefix], gallery_out, api_name="gallery_captions"
        )
        count = gr.Number(value=3, precision=0, label="Count")
        made = gr.Gallery(label="Made")
        gr.Button("made").click(gallery_mixed, count, made, api_name="gallery_mixed")

        slider_in = gr.ImageSlider(type="filepath", label="Before and after")
        slider_out = gr.ImageSlider(label="Swapped")
        gr.Button("slider").click(slider_swap, slider_in, slider_out, api_name="slider_swap")

        editor = gr.ImageEditor(type="pil", label="Editor")
        mask = gr.ImageMask(type="filepath", label="Mask")
        composite = gr.Image(label="Composite")
        mask_out = gr.ImageMask(label="Mask back")
        layers = gr.Textbox(label="Layers")
        gr.Button("editor").click(
            editor_flatten, [editor, mask], [composite, mask_out, layers], api_name="editor"
        )
        sketchpad = gr.Sketchpad(label="Sketch")
        paint = gr.Paint(label="Paint")
        sketched = gr.Textbox(label="Sketched")
        gr.Button("sketch").click(sketch, [sketchpad, paint], sketched, api_name="sketch")

        mm_in = gr.MultimodalTextbox(file_count="multiple", label="Message")
        mm_out = gr.MultimodalTextbox(label="Message back")
        names = gr.Textbox(label="File names")
        gr.Button("mm").click(multimodal, mm_in, [mm_out, names], api_name="multimodal")
    return demo


def main() -> None:
    serve(build, default_port=7881, description=__doc__)


if __name__ == "__main__":
    main()
