"""Graceful shutdown: on SIGTERM or Ctrl-C, tool calls in flight get a grace period to finish;
those still running then end with an error result (a proper JSON-RPC reply on their stream)
and their jobs are cancelled on the space.

The HTTP server (uvicorn) stops accepting connections on the signal and waits for the open
ones to finish; this module makes the open ones finish well. It chains onto the server's own
signal handlers, so it works however the app is run (`gradio-mcp serve`, its workers, the
demo, or `uvicorn --factory`), and only where such handlers exist: an app run without them
(in a thread, in tests) is never interrupted by it.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any, TypeVar

from gradio_mcp._log import get_logger
from gradio_mcp.errors import CallInterrupted

log = get_logger("gradio_mcp.shutdown")

T = TypeVar("T")
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class GracefulShutdown:
    """Tracks the calls in flight and ends those still running `grace` seconds after
    `begin()` (which a SIGTERM or SIGINT calls once `install()` has run)."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self.draining = False
        self._calls: set[asyncio.Task[Any]] = set()
        self._interrupted: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._installed: dict[int, Any] = {}

    # ------------------------------------------------------------------ signals

    def install(self) -> None:
        """Chain onto the server's SIGINT/SIGTERM handlers (main thread only; call it from
        the app's startup, on its event loop)."""
        self._loop = asyncio.get_running_loop()
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in SIGNALS:
            previous = signal.getsignal(sig)
            if not callable(previous) or previous is signal.default_int_handler:
                continue  # no server handling signals: leave their default behaviour alone
            handler = _chained(self._on_signal, previous)
            signal.signal(sig, handler)
            self._installed[sig] = (handler, previous)
        if self._installed:
            # SSE responses would otherwise be cut the moment the server sees the signal
            # (sse-starlette watches for it). In stateless mode each stream is one request's
            # answer and ends with it, which is what the grace period waits for.
            from sse_starlette.sse import AppStatus

            AppStatus.disable_automatic_graceful_drain()  # type: ignore[no-untyped-call]

    def uninstall(self) -> None:
        """Give the server its own handlers back (where nobody replaced ours since)."""
        for sig, (handler, previous) in self._installed.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, previous)
        self._installed.clear()
        if self._timer is not None:
            self._timer.cancel()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.begin)

    # ------------------------------------------------------------------ draining

    def begin(self) -> None:
        """Start draining: refuse new calls, and end the running ones after the grace."""
        if self.draining:
            return
        self.draining = True
        log.info("shutdown_started", grace_seconds=self.grace, calls_in_flight=len(self._calls))
        loop = self._loop or asyncio.get_running_loop()
        self._timer = loop.call_later(self.grace, self._interrupt_calls)

    def _interrupt_calls(self) -> None:
        running = [task for task in self._calls if not task.done()]
        if running:
            log.info("shutdown_interrupting_calls", calls=len(running))
        for task in running:
            self._interrupted.add(task)
            task.cancel()

    async def guard(self, work: Awaitable[T]) -> T:
        """Run one call's work; raise `CallInterrupted` if the grace period ended it.

        The work runs as its own task so that cancelling it (which makes the Gradio client
        cancel the job on the space) leaves the request's handler free to answer.
        """
        task: asyncio.Task[T] = asyncio.ensure_future(work)
        self._calls.add(task)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task in self._interrupted and not (current and current.cancelling()):
                raise CallInterrupted from None
            raise
        finally:
            self._calls.discard(task)
            self._interrupted.discard(task)


def _chained(
    first: Callable[[int, FrameType | None], None], then: Callable[[int, FrameType | None], Any]
) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        first(signum, frame)
        then(signum, frame)

    return handler
