"""The benchmark's space: a real Gradio app with three trivial endpoints.

Its documents are captured once per run and served by `space_hosts.py` for thousands of
spaces; the app itself answers the tools/call scenario, where Gradio's own cost matters.

    python benchmarks/bench_app.py --host 127.0.0.1 --port N
"""

from __future__ import annotations

import argparse

import gradio as gr


def echo(text: str) -> str:
    """Return the text unchanged.

    Args:
        text: Any text.
    """
    return text


def add(a: float, b: float = 1.0) -> float:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


def shout(text: str, times: float = 1) -> str:
    """Upper-case the text, repeated.

    Args:
        text: The text to upper-case.
        times: How many times to repeat it.
    """
    return " ".join([text.upper()] * int(times))


def build() -> gr.Blocks:
    with gr.Blocks(title="Benchmark space") as demo:
        text = gr.Textbox(label="Text")
        number_a = gr.Number(label="A")
        number_b = gr.Number(label="B", value=1.0)
        times = gr.Slider(1, 5, value=1, step=1, label="Times")
        out_text = gr.Textbox(label="Out")
        out_number = gr.Number(label="Sum")
        gr.Button("Echo").click(echo, text, out_text, api_name="echo")
        gr.Button("Add").click(add, [number_a, number_b], out_number, api_name="add")
        gr.Button("Shout").click(shout, [text, times], out_text, api_name="shout")
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args()
    build().queue(default_concurrency_limit=8).launch(
        server_name=args.host,
        server_port=args.port,
        show_error=True,
        share=False,
        ssr_mode=False,
        quiet=True,
        mcp_server=False,
    )


if __name__ == "__main__":
    main()
