"""One ladder from a failed request to the Hub (or to a space's documents) to our error.

Every request discovery makes can fail the same four ways: no answer in time, an answer past
its read cap, an address the egress policy refuses, or no connection at all. `hub_errors`
maps each to the error its caller raises (a `SpaceError` for a space, a `HubError` for a
search or a token check), with the caller's words for what was asked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import httpx2

from gradio_mcp.errors import ErrorKind, ReadLimitError
from gradio_mcp.net import EgressRefusedError

# Builds the caller's error from a kind and a message.
MakeError = Callable[[ErrorKind, str], Exception]


@contextlib.contextmanager
def hub_errors(
    make: MakeError,
    *,
    timed_out: str,
    too_big: str,
    unreachable: str,
    refused: str | None = None,
    with_detail: bool = False,
) -> Iterator[None]:
    """Raise `make(kind, message)`, from None, for a transport failure inside the block.

    `timed_out` is the whole timeout message; `too_big` and `unreachable` are followed by
    the cap's message and by the exception's type name (and text, `with_detail`). Given
    `refused`, an egress refusal is its own kind (EGRESS_REFUSED, "{refused}: {why}", or
    just the reason when `refused` is empty); without, it reads as any connection failure.
    """
    try:
        yield
    except ReadLimitError as exc:
        raise make(ErrorKind.BAD_PAYLOAD, f"{too_big}: {exc}") from None
    except (TimeoutError, httpx2.TimeoutException):
        raise make(ErrorKind.TIMEOUT, timed_out) from None
    except EgressRefusedError as exc:
        if refused is None:
            raise make(ErrorKind.CONNECTION, _unreachable(unreachable, exc, with_detail)) from None
        message = f"{refused}: {exc}" if refused else str(exc)
        raise make(ErrorKind.EGRESS_REFUSED, message) from None
    except httpx2.HTTPError as exc:
        raise make(ErrorKind.CONNECTION, _unreachable(unreachable, exc, with_detail)) from None


def _unreachable(prefix: str, exc: Exception, with_detail: bool) -> str:
    name = type(exc).__name__
    return f"{prefix}: {name}: {exc}" if with_detail else f"{prefix}: {name}"
