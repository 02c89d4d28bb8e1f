"""A current-Gradio app with the two component gaps of issue 17, item 6.

* `pick`: a Dropdown and a Number that start empty (value None), so the page sends null
  until something is chosen, and Gradio passes that null on to the function.
* `maybe`: a Dropdown whose function argument defaults to None.
* `swap`: an ImageSlider pair in, the same pair swapped out; files stay paths, so what
  comes back has the very bytes that went in.

Run with ``python nullable_app.py --port 7872``.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from gradio_mcp.dev.demo_apps._serve import serve


def pick(animal: str | None, count: float | None) -> str:
    return f"animal={animal!r} count={count!r}"


def maybe(animal: str | None = None) -> str:
    return f"animal={animal!r}"


def swap(pair: tuple[str | None, str | None] | None) -> tuple[str | None, str | None] | None:
    if pair is None:
        return None
    first, second = pair
    return second, first


def build() -> gr.Blocks:
    with gr.Blocks(title="Nullable") as demo:
        animal = gr.Dropdown(["cat", "dog"], value=None, label="Animal")
        count = gr.Number(value=None, label="Count")
        text = gr.Textbox(label="Output")
        gr.Button("Pick").click(pick, [animal, count], text, api_name="pick")
        gr.Button("Maybe").click(maybe, animal, text, api_name="maybe")
        pair_in = gr.ImageSlider(type="filepath", label="Pair")
        pair_out = gr.ImageSlider(type="filepath", label="Swapped")
        gr.Button("Swap").click(swap, pair_in, pair_out, api_name="swap")
    return demo


def main() -> None:
    serve(build, default_port=7872, description=__doc__)


if __name__ == "__main__":
    main()
