"""Request slots per space host, under one bound for all hosts together.

Spaces live on different hosts, so one slow host must hold up only the requests to it: each
host gets its own few slots, and the total stays within the connection pool (the global
limit), so that requests wait here, in O(1) queues, rather than in the pool's own queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit


class _Host:
    __slots__ = ("semaphore", "users")

    def __init__(self, slots: int) -> None:
        self.semaphore = asyncio.Semaphore(slots)
        self.users = 0


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class HostSlots:
    """`per_host` requests in flight to any one host, `total` to all hosts together."""

    def __init__(self, per_host: int, total: int) -> None:
        self.per_host = per_host
        self.total = total
        self._all = asyncio.Semaphore(total)
        # Only hosts with a request waiting or in flight are kept, so thousands of hosts
        # seen once cost nothing afterwards.
        self._hosts: dict[str, _Host] = {}

    def busy_hosts(self) -> int:
        """Hosts with a request waiting or in flight."""
        return len(self._hosts)

    @asynccontextmanager
    async def hold(self, url: str) -> AsyncIterator[None]:
        """A slot for one request to `url`'s host: its own slot first (a request queued
        behind a busy host takes none of the shared ones while it waits), then a shared one."""
        origin = _origin(url)
        host = self._hosts.get(origin)
        if host is None:
            host = self._hosts[origin] = _Host(self.per_host)
        host.users += 1
        try:
            async with host.semaphore, self._all:
                yield
        finally:
            host.users -= 1
            if host.users == 0:
                del self._hosts[origin]
