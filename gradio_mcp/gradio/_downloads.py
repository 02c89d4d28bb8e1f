"""Downloading a space's output files (to inline images and audio), bounded in size.

Which files may be downloaded at all (only those on the space's own origin) and for how long
is the caller's decision; see `catalog._results`.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx2


async def download_file(
    client: httpx2.AsyncClient, url: str, headers: Mapping[str, str] | None, limit: int
) -> bytes | None:
    """The file's bytes if it fits in `limit`, else None (also on any failure, and on any
    answer but 200: a redirect is not followed)."""
    try:
        async with client.stream(
            "GET", url, headers=dict(headers or {}), timeout=httpx2.Timeout(30.0, connect=5.0)
        ) as response:
            if response.status_code != 200:
                return None
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    return None
                chunks.append(chunk)
            return b"".join(chunks)
    except (httpx2.HTTPError, httpx2.InvalidURL):
        return None


def origin_of(url: str) -> tuple[str, str, int | None] | None:
    try:
        parsed = httpx2.URL(url)
    except (httpx2.InvalidURL, TypeError):
        return None
    return parsed.scheme, parsed.host, parsed.port
