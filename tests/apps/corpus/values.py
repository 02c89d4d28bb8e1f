"""Corpus app: every component that carries a value rather than a file.

Text, numbers and choices (int choices, (label, value) pairs, custom values, multiselect),
tables and their templates, plots, labels, highlighted text, JSON, Dialogue, DateTime,
ColorPicker, Dataset, Timer, FileExplorer, BrowserState, State and a Button input; a
Dropdown whose choices are filled at run time, a validator, a generator with gr.Progress,
gr.api endpoints, and a label given as a translation object.

Run with ``python values.py --port 7882``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
import pandas as pd
from gradio.components.plot import PlotData

from gradio_mcp.dev.demo_apps._serve import serve

_TREE = Path(tempfile.mkdtemp(prefix="gradio_mcp_corpus_tree_"))
(_TREE / "docs").mkdir()
(_TREE / "docs" / "a.txt").write_text("alpha", encoding="utf-8")
(_TREE / "b.txt").write_text("beta", encoding="utf-8")

I18N = gr.I18n(en={"greeting_label": "Greeting"})


def text_kinds(text: str, area: str, code: str, color: str, when: float) -> tuple[Any, ...]:
    """Echo text-like inputs through text-like outputs.

    Args:
        text: A line of text.
        area: Several lines.
        code: Some Python code.
        color: A colour as #rrggbb.
        when: A date and time (the function gets a timestamp).
    """
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(when))
    return (
        text[::-1],
        area.upper(),
        code + "\n# checked",
        color.upper(),
        stamp,
        f"<b>{text}</b>",
        f"**{text}**",
    )


def choices(
    number: float,
    whole: int,
    slider: float,
    flag: bool,
    radio: int,
    dropdown: str,
    paired: int,
    custom: str,
    multi: list[str],
    group: list[str],
) -> tuple[Any, ...]:
    """Numbers, a checkbox and every kind of choice; echo them and pick a result."""
    echoed = {
        "number": number,
        "whole": whole,
        "slider": slider,
        "flag": flag,
        "radio": radio,
        "dropdown": dropdown,
        "paired": paired,
        "custom": custom,
        "multi": multi,
        "group": group,
    }
    return echoed, number + slider, radio, dropdown, group, not flag


def tables(frame: pd.DataFrame, numbers: Any, matrix: Any, rows: Any) -> tuple[Any, ...]:
    """Dataframe inputs and their templates; a table, plots and a label come back."""
    doubled = frame.copy()
    doubled["y"] = doubled["y"] * 2
    label = {"big": 0.75, "small": 0.25} if len(frame) > 2 else {"small": 1.0}
    return doubled, doubled, doubled, doubled, label, [[len(numbers), len(matrix), len(rows)]]


def highlight(text: str, spans: list[tuple[str, str | None]]) -> tuple[Any, ...]:
    """Highlight each word of a sentence; echo a highlighted input with its classes counted."""
    tokens = [(word, "long" if len(word) > 3 else None) for word in text.split()]
    counted = {str(cls): sum(1 for _, c in spans if c == cls) for _, cls in spans if cls}
    return tokens, counted


def json_and_plot(data: Any, title: str) -> tuple[Any, PlotData, dict[str, Any]]:
    """Echo JSON with a key added; a plot (as plotly JSON); docs for a ParamViewer."""
    echoed = {"input": data, "title": title}
    figure = {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}], "layout": {"title": title}}
    docs = {"x": {"type": "int", "description": "an x", "default": "1"}}
    return echoed, PlotData(type="plotly", plot=json.dumps(figure)), docs


def dialogue(lines: Any, speakers: str) -> tuple[Any, str]:
    """Reverse a dialogue's lines; count the speakers."""
    if isinstance(lines, str):
        return lines, "text"
    reversed_lines = list(reversed(lines))
    return reversed_lines, f"{len({line['speaker'] for line in lines})} of {speakers}"


def picks(sample: int, tick: float, tree: list[str], stored: Any) -> tuple[Any, ...]:
    """A Dataset index, a Timer value, FileExplorer paths and a BrowserState value."""
    names = sorted(Path(p).name for p in tree)
    return f"sample {sample}", tick * 2, names, {"stored": stored}


def remember(word: str, history: list[str]) -> tuple[list[str], str]:
    """Append a word to the session's State (State is hidden from the API)."""
    history = [*history, word]
    return history, " | ".join(history)


def fill_choices(seed: str) -> Any:
    """Fill the dynamic dropdown's choices (run in the browser's session)."""
    return gr.Dropdown(choices=[seed, seed + "2"], value=seed)


def use_choice(choice: str) -> str:
    """Use a dropdown whose choices were empty when the app was built."""
    return f"chose {choice!r}"


def check_person(name: str, age: float) -> list[Any]:
    return [
        gr.validate(bool(name.strip()), "Name must not be empty"),
        gr.validate(age >= 3, "Age must be at least 3"),
    ]


def person(name: str, age: float) -> str:
    """Greet a person old enough (validated before the call)."""
    return f"{name} is {int(age)}"


def countdown(n: float, progress: gr.Progress = gr.Progress()) -> Iterator[str]:  # noqa: B008
    """Count down from n, with progress, yielding each step."""
    steps = int(n)
    done = ""
    for i in progress.tqdm(range(steps), desc="counting"):
        done += f"{steps - i} "
        yield done


def greet(name: str) -> str:
    """Greet someone; the input's label is a translation object."""
    return f"Hello {name}"


def add(a: int, b: int, names: list[str]) -> dict[str, Any]:
    """Add two numbers and sort names (a gr.api endpoint, typed by its signature)."""
    return {"sum": a + b, "names": sorted(names)}


def describe(values: dict[str, float], scale: float = 1.0) -> list[float]:
    """Scale a dict's values (a gr.api endpoint with a default)."""
    return [v * scale for _, v in sorted(values.items())]


def build() -> gr.Blocks:
    with gr.Blocks(title="Corpus: values") as demo:
        text = gr.Textbox(label="Text")
        area = gr.TextArea(label="Area")
        code = gr.Code(language="python", label="Code")
        color = gr.ColorPicker(label="Colour")
        when = gr.DateTime(label="When")
        gr.Button("text").click(
            text_kinds,
            [text, area, code, color, when],
            [
                gr.Textbox(label="Reversed"),
                gr.TextArea(label="Upper"),
                gr.Code(label="Checked"),
                gr.ColorPicker(label="Colour back"),
                gr.DateTime(label="Stamp"),
                gr.HTML(label="Html"),
                gr.Markdown(label="Markdown"),
            ],
            api_name="text_kinds",
        )

        ins = [
            gr.Number(label="Number"),
            gr.Number(precision=0, label="Whole"),
            gr.Slider(0, 10, step=0.5, label="Slider"),
            gr.Checkbox(label="Flag"),
            gr.Radio([1, 2, 3], label="Radio"),
            gr.Dropdown(["red", "green"], label="Dropdown"),
            gr.Dropdown([("one", 1), ("two", 2)], label="Paired"),
            gr.Dropdown(["x"], allow_custom_value=True, label="Custom"),
            gr.Dropdown(["a", "b", "c"], multiselect=True, label="Multi"),
            gr.CheckboxGroup(["p", "q"], label="Group"),
        ]
        outs = [
            gr.JSON(label="Echo"),
            gr.Number(label="Sum"),
            gr.Radio([1, 2, 3], label="Radio back"),
            gr.Dropdown(["red", "green"], label="Dropdown back"),
            gr.CheckboxGroup(["p", "q"], label="Group back"),
            gr.Checkbox(label="Not flag"),
        ]
        gr.Button("choices").click(choices, ins, outs, api_name="choices")

        frame = gr.Dataframe(headers=["x", "y"], datatype=["str", "number"], label="Frame")
        numbers = gr.Numpy(label="Numbers")
        matrix = gr.Matrix(label="Matrix")
        rows = gr.List(label="Rows")
        gr.Button("tables").click(
            tables,
            [frame, numbers, matrix, rows],
            [
                gr.Dataframe(label="Doubled"),
                gr.BarPlot(x="x", y="y", label="Bars"),
                gr.LinePlot(x="x", y="y", label="Line"),
                gr.ScatterPlot(x="x", y="y", label="Scatter"),
                gr.Label(label="Label"),
                gr.Dataframe(label="Sizes"),
            ],
            api_name="tables",
        )

        sentence = gr.Textbox(label="Sentence")
        spans = gr.HighlightedText(label="Spans")
        gr.Button("highlight").click(
            highlight,
            [sentence, spans],
            [gr.HighlightedText(label="Highlighted"), gr.JSON(label="Classes")],
            api_name="highlight",
        )

        data = gr.JSON(label="Data")
        title = gr.Textbox(value="chart", label="Title")
        gr.Button("json").click(
            json_and_plot,
            [data, title],
            [gr.JSON(label="Echoed"), gr.Plot(label="Plot"), gr.ParamViewer()],
            api_name="json_and_plot",
        )

        lines = gr.Dialogue(speakers=["Ann", "Bob"], label="Dialogue")
        speakers = gr.Textbox(value="2", label="Speakers")
        gr.Button("dialogue").click(
            dialogue,
            [lines, speakers],
            [gr.Dialogue(speakers=["Ann", "Bob"], label="Reversed"), gr.Textbox(label="Count")],
            api_name="dialogue",
        )

        dataset = gr.Dataset(components=[gr.Textbox(visible=False)], samples=[["a"], ["b"]])
        timer = gr.Timer(2.0, active=False)
        tree = gr.FileExplorer(root_dir=str(_TREE), label="Tree")
        stored = gr.BrowserState({"k": 1})
        gr.Button("picks").click(
            picks,
            [dataset, timer, tree, stored],
            [
                gr.Textbox(label="Sample"),
                gr.Number(label="Tick"),
                gr.JSON(label="Names"),
                gr.JSON(label="Stored"),
            ],
            api_name="picks",
        )

        word = gr.Textbox(label="Word")
        history = gr.State([])
        press = gr.Button("remember")
        press.click(
            remember,
            [word, history],
            [history, gr.Textbox(label="History")],
            api_name="remember",
        )

        seed = gr.Textbox(value="p", label="Seed")
        dynamic = gr.Dropdown(choices=[], label="Dynamic")
        gr.Button("fill").click(fill_choices, seed, dynamic, api_name="fill_choices")
        gr.Button("use").click(
            use_choice, dynamic, gr.Textbox(label="Chosen"), api_name="use_choice"
        )

        name = gr.Textbox(label="Name")
        age = gr.Number(label="Age")
        gr.Button("person").click(
            person,
            [name, age],
            gr.Textbox(label="Person"),
            validator=check_person,
            api_name="person",
        )

        steps = gr.Number(value=3, precision=0, label="Steps")
        gr.Button("count").click(
            countdown, steps, gr.Textbox(label="Countdown"), api_name="countdown"
        )

        greeting = gr.Textbox(label=I18N("greeting_label"))
        gr.Button("greet").click(greet, greeting, gr.Textbox(label="Greeted"), api_name="greet")

        gr.api(add, api_name="add")
        gr.api(describe, api_name="describe")
    return demo


def build_with_i18n() -> Any:
    """The app, launched with its translations (a wrapper `serve` can launch)."""
    demo = build()
    launch = demo.launch

    def launch_with_i18n(**kwargs: Any) -> Any:
        return launch(i18n=I18N, **kwargs)

    demo.launch = launch_with_i18n  # type: ignore[method-assign]
    return demo


def main() -> None:
    serve(build_with_i18n, default_port=7882, description=__doc__)


if __name__ == "__main__":
    main()
