"""A tool name to the endpoint it stands for (`ToolRef`), for one caller: waking its space
when it sleeps, and saying why when it cannot run.

The name is looked up in the caller's listing; a name not there gets a second, more patient
discovery (a call cannot be answered without its space, so it waits longer than tools/list);
a name whose space is not running wakes it (with `GRADIO_MCP_WAKE_ON_CALL`) and is looked up
once more. A failure names only spaces this caller may know of: a configured private space
must not be revealed to a caller whose token cannot see it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from mcp import types
from mcp.shared.exceptions import MCPError

from gradio_mcp._log import get_logger
from gradio_mcp.catalog import ToolCatalog, ToolRef, may_belong_to
from gradio_mcp.config import Settings
from gradio_mcp.discovery import Discovery, can_wake, cannot_wake
from gradio_mcp.errors import ErrorKind, SpaceError, UnknownNameError
from gradio_mcp.models import GradioSpace
from gradio_mcp.serving._caller import Caller
from gradio_mcp.serving._catalogs import Catalogs

log = get_logger("gradio_mcp.server")

# Progress while a space wakes: (seconds waited, message).
WakeReport = Callable[[float, str], Awaitable[None]]


def not_running(spaces: Sequence[GradioSpace]) -> list[GradioSpace]:
    return [s for s in spaces if s.error is not None and s.error.kind == ErrorKind.NOT_RUNNING]


def _cannot_run(message: str) -> SpaceError:
    return SpaceError(ErrorKind.NOT_RUNNING, message)


class Resolver:
    """Tool names to `ToolRef`s. Raises `SpaceError` (`NOT_RUNNING`) when the tool's space
    cannot run, and `MCPError` (invalid params) when no space has the tool."""

    def __init__(self, settings: Settings, discovery: Discovery, catalogs: Catalogs) -> None:
        self.settings = settings
        self.discovery = discovery
        self.catalogs = catalogs
        self._configured = {i.strip().lower() for i in settings.spaces}

    async def resolve(self, caller: Caller, name: str, waking: WakeReport | None = None) -> ToolRef:
        """Three rounds at most: the caller's listing; a patient discovery; the same after
        waking the sleeping space the name belongs to."""
        patience = self.settings.schema_timeout_ms / 1000 + 1
        for attempt, deadline in enumerate((None, patience, patience)):
            spaces, catalog = await self.catalogs.listing(
                caller.space_ids, caller.token, deadline=deadline, rewait=attempt > 0
            )
            found = _lookup(catalog, name)
            if isinstance(found, ToolRef):
                return found
            if attempt == 1:
                await self._wake_owner(caller, name, spaces, found, waking)
        raise MCPError(types.INVALID_PARAMS, str(found)) from None

    async def _wake_owner(
        self,
        caller: Caller,
        name: str,
        spaces: Sequence[GradioSpace],
        unknown: UnknownNameError,
        waking: WakeReport | None,
    ) -> None:
        """Wake the stopped spaces `name` may belong to; raise why not when none can run."""
        stopped = [s for s in not_running(spaces) if self._belongs(name, s)]
        if not stopped:
            raise self._unknown(caller, name, spaces, unknown)
        self._check_wakeable(name, stopped)
        for space in stopped:
            await self._wake(space.id, caller, waking)

    def _belongs(self, name: str, space: GradioSpace) -> bool:
        return may_belong_to(name, space.id, self.settings.tool_names)

    def _unknown(
        self,
        caller: Caller,
        name: str,
        spaces: Sequence[GradioSpace],
        unknown: UnknownNameError,
    ) -> Exception:
        """No running space has the tool: its owner's failure when that is known and may be
        named, else the unknown name with the failed spaces this caller may know of."""
        failed = [s for s in spaces if s.error is not None and self._may_name(s, caller)]
        owners = [s for s in failed if self._belongs(name, s)]
        if len(owners) == 1 and owners[0].error is not None:
            owner, error = owners[0], owners[0].error
            return _cannot_run(
                f"{name} belongs to the space {owner.id}, which cannot be reached now"
                f" ({error.kind.value}: {error.message})"
            )
        message = str(unknown)
        if failed:
            message += ". Spaces that failed to load: " + "; ".join(
                f"{s.id} ({s.error.kind.value})" for s in failed if s.error is not None
            )
        return MCPError(types.INVALID_PARAMS, message)

    def _check_wakeable(self, name: str, stopped: Sequence[GradioSpace]) -> None:
        stages = {s.id: s.error.stage if s.error is not None else None for s in stopped}
        broken = [
            cannot_wake(i, stage).message for i, stage in stages.items() if not can_wake(stage)
        ]
        if broken:
            raise _cannot_run(f"Cannot run {name}: " + "; ".join(broken))
        if not self.settings.wake_on_call:
            reasons = "; ".join(s.error.message for s in stopped if s.error is not None)
            raise _cannot_run(
                f"Cannot run {name}: {reasons} (waking on call is off: GRADIO_MCP_WAKE_ON_CALL)"
            )

    def _may_name(self, space: GradioSpace, caller: Caller) -> bool:
        """Whether a failed space may be named to this caller: the Hub showed it to their
        token, or they asked for it themselves (not only through the configured list)."""
        if space.metadata is not None:
            return True
        if space.id.lower() not in self._configured:
            return space.id in caller.space_ids
        # A configured space the Hub did not describe: "not found" or "unauthorized" may
        # mean private to somebody else; an outage says nothing of that, unless this
        # server has seen the space private before (discovery remembers, not the metrics).
        hidden = (ErrorKind.NOT_FOUND, ErrorKind.UNAUTHORIZED)
        error = space.error
        return (
            error is not None
            and error.kind not in hidden
            and not self.discovery.seen_private(space.id)
        )

    async def _wake(self, space_id: str, caller: Caller, waking: WakeReport | None) -> None:
        """Wake one space for a call, reporting its stage as progress while it starts."""

        async def report(stage: str, elapsed: float) -> None:
            if waking is not None:
                message = f"{space_id} is {stage.lower()}: waiting for it to run ({elapsed:.0f} s)"
                await waking(elapsed, message)

        log.info("space_waking", space=space_id)
        try:
            await self.discovery.wake(space_id, caller.token, on_stage=report)
        except SpaceError as exc:
            raise _cannot_run(exc.message) from None


def _lookup(catalog: ToolCatalog, name: str) -> ToolRef | UnknownNameError:
    try:
        return catalog.resolve(name)
    except UnknownNameError as exc:
        return exc
