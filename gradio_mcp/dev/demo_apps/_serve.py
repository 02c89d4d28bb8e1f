"""The command line every example app shares: `python <app>.py [--host H] [--port N]`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def serve(build: Callable[[], Any], *, default_port: int, description: str | None) -> None:
    """Parse --host/--port and launch the app on loopback: no share link, errors shown."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args()
    build().queue(default_concurrency_limit=4).launch(
        server_name=args.host,
        server_port=args.port,
        show_error=True,
        share=False,
        ssr_mode=False,
        quiet=True,
    )
