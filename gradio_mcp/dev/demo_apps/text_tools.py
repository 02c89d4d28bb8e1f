"""Text utilities: typed functions, enum/slider/checkbox inputs, a gr.Error and gr.State.

Run with ``python text_tools.py --port 7861``.
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from gradio_mcp.dev.demo_apps._serve import serve


def letter_counter(word: str, letter: str, case_sensitive: bool = False) -> int:
    """Count how many times a letter occurs in a word.

    Args:
        word: The text to search in.
        letter: The single letter to count.
        case_sensitive: Whether upper and lower case letters are distinct.

    Returns:
        The number of occurrences of the letter in the word.
    """
    if not case_sensitive:
        word, letter = word.lower(), letter.lower()
    return word.count(letter)


def transform_text(text: str, mode: str, repeat: float, extras: list[str]) -> str:
    """Transform text with a case mode, a repeat count and optional extras.

    Args:
        text: The text to transform.
        mode: One of "upper", "lower" or "title".
        repeat: How many times to repeat the result (1 to 5).
        extras: Any of "reverse", "strip" and "exclaim".

    Returns:
        The transformed text, repeats separated by spaces.
    """
    result = {"upper": text.upper(), "lower": text.lower(), "title": text.title()}[mode]
    if "strip" in extras:
        result = result.strip()
    if "reverse" in extras:
        result = result[::-1]
    if "exclaim" in extras:
        result += "!"
    return " ".join([result] * int(repeat))


def always_fails(reason: str) -> str:
    """Always raise a user-facing Gradio error.

    Args:
        reason: The message to put in the error.

    Returns:
        Nothing; this function never returns.
    """
    raise gr.Error(f"Refused: {reason}", title="Custom failure")


def remember(item: str, history: list[str] | None) -> tuple[str, list[str]]:
    """Append an item to a per-session history kept in gr.State.

    Args:
        item: The item to remember.
        history: The items remembered so far in this session.

    Returns:
        All remembered items joined with " | ".
    """
    updated = [*(history or []), item]
    return " | ".join(updated), updated


def build() -> gr.Blocks:
    demo = gr.Blocks(title="Text tools")
    with demo:
        with gr.Row():
            word = gr.Textbox(label="Word", value="strawberry")
            letter = gr.Textbox(label="Letter", value="r")
            case_sensitive = gr.Checkbox(label="Case sensitive", value=False)
            count = gr.Number(label="Count", precision=0)
        gr.Button("Count").click(
            letter_counter, [word, letter, case_sensitive], count, api_name="letter_counter"
        )

        text = gr.Textbox(label="Text", value="hello world")
        mode = gr.Dropdown(["upper", "lower", "title"], value="upper", label="Mode")
        repeat = gr.Slider(minimum=1, maximum=5, step=1, value=1, label="Repeat")
        extras = gr.CheckboxGroup(["reverse", "strip", "exclaim"], value=[], label="Extras")
        transformed = gr.Textbox(label="Transformed")
        gr.Button("Transform").click(
            transform_text, [text, mode, repeat, extras], transformed, api_name="transform_text"
        )

        reason = gr.Textbox(label="Reason", value="no reason")
        failed = gr.Textbox(label="Never filled")
        gr.Button("Fail").click(always_fails, reason, failed, api_name="always_fails")

        item = gr.Textbox(label="Item")
        history = gr.State([])
        remembered = gr.Textbox(label="Remembered")
        gr.Button("Remember").click(
            remember, [item, history], [remembered, history], api_name="remember"
        )
    return demo


if __name__ == "__main__":
    serve(build, default_port=7861, description=__doc__)
