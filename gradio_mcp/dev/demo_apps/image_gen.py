"""Media generation: a gradient image with gr.Progress, and a short audio tone.

Run with ``python image_gen.py --port 7862``.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
import numpy as np
from PIL import Image

from gradio_mcp.dev.demo_apps._serve import serve

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 180, 60),
    "blue": (40, 80, 220),
    "black": (0, 0, 0),
}


def make_image(
    colour: str = "blue",
    size: float = 64,
    steps: float = 4,
    delay: float = 0.0,
    progress: gr.Progress = gr.Progress(),  # noqa: B008
) -> Image.Image:
    """Draw a square horizontal gradient from white to a colour.

    Args:
        colour: The colour at the right edge of the gradient.
        size: The width and height of the image in pixels.
        steps: How many progress steps to report while drawing.
        delay: Seconds to sleep at each step.

    Returns:
        The generated image.
    """
    side, n = int(size), max(int(steps), 1)
    target = np.array(COLOURS[colour], dtype=np.float64)
    pixels = np.zeros((side, side, 3), dtype=np.uint8)
    for step in progress.tqdm(range(n), desc="drawing", unit="steps"):
        start, stop = step * side // n, (step + 1) * side // n
        ramp = np.linspace(0.0, 1.0, side)[start:stop, None]
        pixels[:, start:stop, :] = (255 + (target - 255) * ramp).astype(np.uint8)
        if delay > 0:
            time.sleep(delay)
    return Image.fromarray(pixels, mode="RGB")


def make_tone(frequency: float = 440, duration: float = 0.25) -> tuple[int, np.ndarray]:
    """Synthesise a sine tone.

    Args:
        frequency: The pitch of the tone in hertz.
        duration: The length of the tone in seconds.

    Returns:
        The tone as 16-bit mono audio at 16 kHz.
    """
    rate = 16_000
    t = np.arange(int(rate * duration)) / rate
    wave = 0.3 * np.sin(2 * np.pi * frequency * t)
    return rate, (wave * 32767).astype(np.int16)


def build() -> gr.Blocks:
    demo = gr.Blocks(title="Image generator")
    with demo:
        colour = gr.Dropdown(list(COLOURS), value="blue", label="Colour")
        size = gr.Slider(minimum=8, maximum=256, step=8, value=64, label="Size")
        steps = gr.Slider(minimum=1, maximum=10, step=1, value=4, label="Steps")
        delay = gr.Number(value=0.0, label="Delay per step (s)")
        image = gr.Image(label="Image", type="pil")
        gr.Button("Draw").click(
            make_image, [colour, size, steps, delay], image, api_name="make_image"
        )

        frequency = gr.Slider(minimum=100, maximum=2000, step=10, value=440, label="Frequency")
        duration = gr.Slider(minimum=0.05, maximum=2, step=0.05, value=0.25, label="Duration")
        audio = gr.Audio(label="Tone", type="numpy")
        gr.Button("Play").click(make_tone, [frequency, duration], audio, api_name="make_tone")
    return demo


if __name__ == "__main__":
    serve(build, default_port=7862, description=__doc__)
