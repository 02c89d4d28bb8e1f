"""Which spaces the Hub described as private to this process, kept by one-way name."""

from __future__ import annotations

import cachetools

from gradio_mcp.net import fingerprint


class PrivateSpaces:
    """One-way names (fingerprints) of spaces seen to be private, as long as the memory holds
    them: their schema is never prefetched tokenless nor asked of the shared level, and
    their failures are not named to other callers."""

    def __init__(self, maxsize: int) -> None:
        self._names: cachetools.LRUCache[str, bool] = cachetools.LRUCache(maxsize=maxsize)

    def __contains__(self, space_id: object) -> bool:
        return isinstance(space_id, str) and fingerprint(space_id) in self._names

    def note(self, space_id: str) -> bool:
        """Remember `space_id` as private; True the first time."""
        name = fingerprint(space_id)
        if name in self._names:
            return False
        self._names[name] = True
        return True
