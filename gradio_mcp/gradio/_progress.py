"""Progress of a running call, from Gradio's queue messages to strictly increasing updates.

MCP requires `progress` to increase within a request; Gradio reports gr.Progress as
(index, length) and gives queue position and streamed values no number at all.
`ProgressTracker` turns those into increasing `ProgressUpdate`s, with readable messages.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gradio_mcp.gradio._outputs import OutputValue

PREVIEW_CHARS = 120

ProgressSink = Callable[["ProgressUpdate"], Awaitable[None]]


@dataclass(frozen=True)
class ProgressUpdate:
    """One progress report; `progress` strictly increases within a call (MCP requires it)."""

    progress: float
    total: float | None = None
    message: str | None = None


def estimation_message(msg: Mapping[str, Any]) -> str:
    rank, size, eta = msg.get("rank"), msg.get("queue_size"), msg.get("rank_eta")
    text = "In queue"
    if isinstance(rank, int):
        text += f": position {rank + 1}"
        if isinstance(size, int):
            text += f" of {size}"
    if isinstance(eta, int | float) and eta > 0:
        text += f", about {eta:.1f}s remaining"
    return text


def preview_message(values: list[OutputValue]) -> str:
    parts: list[str] = []
    for out in values:
        if out.file is not None:
            parts.append(out.file.orig_name or out.file.url)
        elif isinstance(out.value, str):
            parts.append(out.value)
        else:
            parts.append(json.dumps(out.value, default=str))
    text = " | ".join(parts)
    # The tail of streamed text is what changed; show that.
    if len(text) > PREVIEW_CHARS:
        text = "…" + text[-(PREVIEW_CHARS - 1) :]
    return f"Generating: {text}"


class ProgressTracker:
    """Turns Gradio's queue messages into strictly increasing `ProgressUpdate`s.

    gr.Progress gives (index, length); queue position and streamed values carry no number.
    Those get a small bump above the last value (a whole step when no total is known, so a
    plain generator counts 1, 2, 3...), and an index that goes backwards (a second progress
    bar) is lifted above the last value rather than sent as is.
    """

    EPSILON = 0.001

    def __init__(self, sink: ProgressSink | None) -> None:
        self._sink = sink
        self._last: float | None = None
        self._total: float | None = None
        self.count = 0

    async def numeric(self, value: float, total: float | None, message: str | None) -> None:
        """A numbered step. A number that is not finite (NaN, infinity) is no number: the
        step counts as a message, and nothing later is compared with it."""
        if not math.isfinite(value):
            if message:
                await self.message(message)
            return
        if total is not None and math.isfinite(total) and total > 0:
            self._total = total
        if self._last is not None and value <= self._last:
            value = self._above(self._last, self.EPSILON)
        await self._emit(value, message)

    async def message(self, message: str) -> None:
        if self._last is None:
            value = 0.0
        elif self._total is None:
            value = self._above(math.floor(self._last), 1.0)
        else:
            value = self._above(self._last, self.EPSILON)
        await self._emit(value, message)

    @staticmethod
    def _above(value: float, step: float) -> float:
        # A step so small next to a huge value that adding it changes nothing still moves
        # to the next representable number, so progress keeps strictly increasing.
        return max(value + step, math.nextafter(value, math.inf))

    async def done(self) -> None:
        # A finished bar should read 100%, not the last index Gradio happened to send.
        if self._total is not None and self._last is not None and self._last < self._total:
            await self._emit(self._total, "Completed")

    async def _emit(self, value: float, message: str | None) -> None:
        if not math.isfinite(value):
            return  # past the largest number: nothing higher can be sent
        self._last = value
        total = self._total if self._total is not None and value <= self._total else None
        self.count += 1
        if self._sink is not None:
            await self._sink(ProgressUpdate(progress=value, total=total, message=message))
