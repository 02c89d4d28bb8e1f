"""Each space's status as the server last saw it: ok or failing, why, since when, and when it
last worked. Fed with every discovery result the server gets; read by `/api/metrics`,
Prometheus, the dashboard and `/readyz`.

A space's status says what the space did, not who asked: "not found" and "unauthorized" are
answers about the asker's access, so they count only when the server asked as itself (its own
token, or none when it has none) and the space was never seen private. A private space that an
anonymous caller cannot see stays "ok"; a caller's typo in `?gradio=` fails nobody's space.

A space is shown by its id once the Hub has confirmed it public, or when the operator
configured it (GRADIO_MCP_SPACES) and it was never seen private: a configured name that is not
found is named (the operator wrote it; it is no secret from them). Every other space (private,
or asked for by a caller and never confirmed public) is folded into one `PRIVATE_LABEL` row
that carries counts and error kinds, never a name or a message (messages name their space).

Each change between ok and failing is logged once, at info level: `space_failing` and
`space_recovered`, never once per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gradio_mcp._log import get_logger
from gradio_mcp.errors import ErrorKind
from gradio_mcp.models import GradioSpace
from gradio_mcp.net import fingerprint

log = get_logger("gradio_mcp.spaces")

PRIVATE_LABEL = "<private>"
# Answers about who asked, not about the space: a private space gives them to a stranger.
ACCESS_KINDS = frozenset({ErrorKind.NOT_FOUND, ErrorKind.UNAUTHORIZED})
DEFAULT_MAX_SPACES = 256


@dataclass
class SpaceState:
    """What the server last saw of one space. Times are wall-clock seconds (epoch)."""

    ok: bool
    since: float
    checked: float
    kind: str | None = None
    message: str | None = None
    last_success: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "failing",
            "errorKind": self.kind,
            "errorMessage": self.message,
            "since": iso(self.since),
            "lastSuccess": iso(self.last_success),
            "lastChecked": iso(self.checked),
        }


class SpaceStatusBoard:
    """The status of every space this server has seen, bounded in size. Not thread-safe:
    use it from the server's event loop."""

    def __init__(
        self,
        configured: Iterable[str] = (),
        *,
        max_spaces: int = DEFAULT_MAX_SPACES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.configured = tuple(dict.fromkeys(configured))
        self.max_spaces = max_spaces
        self._clock = clock
        self.named: dict[str, SpaceState] = {}
        # Private or unconfirmed spaces, under a one-way name: counted, never shown.
        self.hidden: dict[str, SpaceState] = {}
        self._known_private: set[str] = set()

    # ------------------------------------------------------------------ recording

    def observe(self, spaces: Iterable[GradioSpace], *, as_server: bool = True) -> None:
        """Record one discovery result per space. `as_server`: asked with the server's own
        identity (its token, or none when it has none), not a caller's.

        A space still loading when a list deadline passed has not failed: it says nothing
        about the space yet. Neither does an access answer given to somebody else."""
        for space in spaces:
            error = space.error
            if error is not None and error.phase == "deadline":
                continue
            metadata = space.metadata
            if metadata is not None and metadata.private:
                self._known_private.add(fingerprint(space.id))
            about_asker = error is not None and error.kind in ACCESS_KINDS
            if about_asker and (not as_server or fingerprint(space.id) in self._known_private):
                continue
            self._observe_one(space)

    def _observe_one(self, space: GradioSpace) -> None:
        named = self._may_name(space)
        table, key = (self.named, space.id) if named else (self.hidden, fingerprint(space.id))
        if not named:
            self.named.pop(space.id, None)  # a space seen private stops being shown
        state = table.get(key)
        now = self._clock()
        error = space.error
        if state is None:
            if len(table) >= self.max_spaces and space.id not in self.configured:
                return  # bounded: ids come from callers and could grow without end
            state = table[key] = SpaceState(ok=error is None, since=now, checked=now)
            if error is not None:
                self._log_failing(space, named)
        elif state.ok != (error is None):
            if error is None:
                log.info(
                    "space_recovered",
                    space=space.id if named else PRIVATE_LABEL,
                    failed_for_s=round(now - state.since, 1),
                )
            else:
                self._log_failing(space, named)
            state.ok, state.since = error is None, now
        state.checked = now
        if error is None:
            state.kind = state.message = None
            state.last_success = now
        else:
            state.kind, state.message = error.kind.value, error.message

    def _may_name(self, space: GradioSpace) -> bool:
        metadata = space.metadata
        if metadata is not None:
            return not metadata.private
        # Without a Hub description, only a name the operator wrote may be shown, and only
        # if it was never seen private (a "not found" for it is the operator's to fix).
        return space.id in self.configured and fingerprint(space.id) not in self._known_private

    @staticmethod
    def _log_failing(space: GradioSpace, named: bool) -> None:
        assert space.error is not None
        log.info(
            "space_failing",
            space=space.id if named else PRIVATE_LABEL,
            error=space.error.kind.value,
            # The message names the space: only for spaces that may be named.
            detail=space.error.message if named else None,
        )

    # ------------------------------------------------------------------ reading

    def failing(self) -> int:
        return sum(not s.ok for s in (*self.named.values(), *self.hidden.values()))

    def rows(self) -> list[tuple[str, SpaceState]]:
        """Named spaces by id, then the others folded into one `PRIVATE_LABEL` state (failing
        while any of them fails, since the earliest failure; no message)."""
        rows = sorted(self.named.items())
        hidden = list(self.hidden.values())
        if hidden:
            failing = [s for s in hidden if not s.ok]
            successes = [s.last_success for s in hidden if s.last_success is not None]
            folded = SpaceState(
                ok=not failing,
                since=min(s.since for s in (failing or hidden)),
                checked=max(s.checked for s in hidden),
                kind=",".join(sorted({s.kind for s in failing if s.kind})) or None,
                last_success=max(successes) if successes else None,
            )
            rows.append((PRIVATE_LABEL, folded))
        return rows

    def snapshot(self) -> dict[str, Any]:
        """`{label: status}` for `/api/metrics`."""
        out = {label: state.to_dict() for label, state in self.rows()}
        if PRIVATE_LABEL in out:
            out[PRIVATE_LABEL]["spaces"] = len(self.hidden)
            out[PRIVATE_LABEL]["failingSpaces"] = sum(not s.ok for s in self.hidden.values())
        return out

    def configured_readiness(self) -> dict[str, Any]:
        """Whether every configured space has been discovered at least once, and which have
        not (with their last error, where they may be named)."""
        waiting: dict[str, Any] = {}
        for space_id in self.configured:
            hidden = self.hidden.get(fingerprint(space_id))
            state = hidden or self.named.get(space_id)
            if state is not None and state.last_success is not None:
                continue
            private = hidden is not None or fingerprint(space_id) in self._known_private
            label = PRIVATE_LABEL if private else space_id
            kind = state.kind if state is not None else None
            # Private ones share a label: count them rather than overwrite one another.
            if private:
                waiting[label] = waiting.get(label, 0) + 1
            else:
                waiting[label] = kind or "not yet discovered"
        return {
            "ok": not waiting,
            "configured": len(self.configured),
            "neverDiscovered": waiting,
        }


def iso(epoch: float | None) -> str | None:
    """A wall-clock time as ISO 8601 in UTC, to the second (None stays None)."""
    return None if epoch is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
