"""Fetching a space's schema documents, in parallel, each failure mapped to a `SpaceError`.

`/gradio_api/info` is required and gives everything a tool definition needs; the MCP schema
(optional) adds parameter descriptions, and is asked for only when `/config` says the app
serves MCP (or there is no `/config` to say). `/config` (optional, and often the largest
document) holds what a call needs (fn_index, State slots) and where outputs sit.

Each document is read within `GRADIO_MCP_MAX_SCHEMA_BYTES` and `MAX_JSON_DEPTH`;
an optional document past a cap is dropped like a missing one.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple

import httpx2

from gradio_mcp.discovery._host_slots import HostSlots
from gradio_mcp.discovery._hub_errors import hub_errors
from gradio_mcp.discovery._schema_parser import parse_space_schema
from gradio_mcp.discovery._schema_v3 import is_gradio3, is_gradio3_config, parse_gradio3_schema
from gradio_mcp.errors import ErrorKind, SpaceError
from gradio_mcp.models import SpaceSchema
from gradio_mcp.net import (
    DEFAULT_LIMITS,
    DocumentClient,
    ReadLimitError,
    ReadLimits,
    as_documents,
    loads_json,
)

INFO_PATH = "/gradio_api/info"
LEGACY_INFO_PATH = "/info"
CONFIG_PATH = "/config"
MCP_SCHEMA_PATH = "/gradio_api/mcp/schema"
# Spaces with more endpoints than this are parsed off the event loop.
OFF_LOOP_ENDPOINTS = 500
OFF_LOOP_BYTES = 1 << 20


async def _fetch_body(
    client: httpx2.AsyncClient | DocumentClient,
    url: str,
    headers: Mapping[str, str],
    timeout: float,
    limits: ReadLimits,
    slots: HostSlots,
) -> bytes:
    """GET a document's bytes; every failure becomes a SpaceError saying what went wrong.
    `timeout` bounds the whole document, body included, and the wait for a slot."""
    with hub_errors(
        _schema_error,
        timed_out=f"{url} did not answer within {timeout:g} s",
        too_big=url,
        unreachable=url,
        refused=url,
        with_detail=True,
    ):
        async with asyncio.timeout(timeout), slots.hold(url):
            answer = await as_documents(client).get(
                url,
                headers,
                timeout=timeout,
                max_bytes=limits.schema_bytes,
                setting="GRADIO_MCP_MAX_SCHEMA_BYTES",
                excerpt_bytes=160,
            )
        if answer.status != 200:
            excerpt = answer.body.decode("utf-8", errors="replace")
            raise _status_error(url, answer.status, excerpt)
        return answer.body


async def _decode(url: str, body: bytes, limits: ReadLimits) -> Any:
    """A document's JSON; a SpaceError when it is not JSON or nests too deep."""
    decode = functools.partial(loads_json, body, limits.json_depth)
    try:
        # A document of megabytes takes tens of milliseconds or more to decode: off the loop.
        return await asyncio.to_thread(decode) if len(body) > OFF_LOOP_BYTES else decode()
    except ReadLimitError as exc:
        raise SpaceError(ErrorKind.BAD_PAYLOAD, f"{url}: {exc}", phase="schema") from None
    except ValueError:
        raise SpaceError(
            ErrorKind.BAD_PAYLOAD, f"{url} did not return JSON", phase="schema"
        ) from None


def _schema_error(kind: ErrorKind, message: str) -> SpaceError:
    return SpaceError(kind, message, phase="schema")


def _status_error(url: str, status: int, excerpt: str) -> SpaceError:
    if status in (401, 403):
        return SpaceError(
            ErrorKind.UNAUTHORIZED,
            f"{url} refused access ({status}); private spaces need a token with read access",
            status=status,
            phase="schema",
        )
    if status == 404:
        return SpaceError(
            ErrorKind.NOT_GRADIO,
            f"{url} not found: not a Gradio app, or one too old to describe its API",
            status=status,
            phase="schema",
        )
    return SpaceError(
        ErrorKind.UPSTREAM_STATUS,
        f"{url} answered {status}: {excerpt!r}",
        status=status,
        phase="schema",
    )


def _has_version(config: Any) -> bool:
    return isinstance(config, Mapping) and isinstance(config.get("version"), str)


def _at_root(parse: Callable[[], SpaceSchema]) -> SpaceSchema:
    """The schema of a space whose /info answered at the root: its API lives there too."""
    return dataclasses.replace(parse(), api_prefix="")


class _Documents(NamedTuple):
    info: Any  # /info's JSON, or the SpaceError it failed with
    config: Any  # None when missing, as the MCP schema
    mcp_schema: Any
    at_root: bool  # /info answered at the root (Gradio 4 and earlier)


async def fetch_space_schema(
    client: httpx2.AsyncClient | DocumentClient,
    host: str,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    slots: HostSlots,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> SpaceSchema:
    """Fetch and parse a space's schemas; the requests run in parallel, each in its own
    slot of `slots` (a few per host, under one total)."""
    base = host.rstrip("/")
    hdrs = dict(headers or {})

    async def get(path: str) -> bytes:
        return await _fetch_body(client, base + path, hdrs, timeout, limits, slots)

    async def decode(path: str, body: bytes) -> Any:
        return await _decode(base + path, body, limits)

    documents = await _fetch_documents(get, decode)
    parse = _parser(documents, base + INFO_PATH, limits)
    named = documents.info.get("named_endpoints") if isinstance(documents.info, Mapping) else None
    # Tens of microseconds per endpoint: a space with thousands is parsed in a worker thread,
    # so that the event loop keeps answering everyone else meanwhile.
    if isinstance(named, Mapping) and len(named) > OFF_LOOP_ENDPOINTS:
        return await asyncio.to_thread(parse)
    return parse()


async def _fetch_documents(
    get: Callable[[str], Awaitable[bytes]], decode: Callable[[str, bytes], Awaitable[Any]]
) -> _Documents:
    """/info (at the root where /gradio_api has none), /config and the MCP schema.

    Both documents are decoded once both are in: a space waiting for one holds the other as
    bytes, not as the thousands of small objects it decodes to (with dozens of spaces in
    flight, those were most of a cold listing's peak memory, which the process keeps)."""

    async def optional(path: str, body: bytes | BaseException | None = None) -> Any:
        """An optional document (fetched unless given), or None when it fails."""
        try:
            if body is None:
                body = await get(path)
            if isinstance(body, BaseException):
                raise body
            return await decode(path, body)
        except SpaceError:
            return None

    gathered: tuple[Any, ...] = await asyncio.gather(
        get(INFO_PATH), get(CONFIG_PATH), return_exceptions=True
    )
    info_body, config_body = gathered
    config = await optional(CONFIG_PATH, config_body)
    # /config says whether the app serves MCP (`mcp_server`); most apps do not, and their
    # MCP schema request would only be a 404. Asking after /config saves that request (a
    # quarter of a cold space's) at the cost of one more round trip, after both documents,
    # for the apps that do.
    serves_mcp = not isinstance(config, Mapping) or bool(config.get("mcp_server"))
    mcp_schema = await optional(MCP_SCHEMA_PATH) if serves_mcp else None
    info: Any = info_body
    if isinstance(info_body, bytes):
        try:
            info = await decode(INFO_PATH, info_body)
        except SpaceError as exc:
            info = exc
    elif isinstance(info_body, BaseException) and not isinstance(info_body, Exception):
        raise info_body  # cancelled: not the space's failure
    at_root = False
    if isinstance(info, SpaceError) and info.status == 404:
        # Gradio 4 and earlier serve their API at the root, without the /gradio_api prefix;
        # what is not a readable API there leaves the 404 (a Gradio too old, or no Gradio).
        with contextlib.suppress(SpaceError):
            info = await decode(LEGACY_INFO_PATH, await get(LEGACY_INFO_PATH))
            at_root = True
    return _Documents(info, config, mcp_schema, at_root)


def _parser(documents: _Documents, info_url: str, limits: ReadLimits) -> Callable[[], SpaceSchema]:
    """How to read the space's schema from its documents: by the rules of the Gradio that
    served them. Raises the SpaceError of a space that has none."""
    info, config, mcp_schema, at_root = documents
    gone = isinstance(info, SpaceError) and info.status == 404
    if gone and is_gradio3_config(config):  # Gradio 3 before /info: /config says it all
        return functools.partial(parse_gradio3_schema, None, config, limits)
    if gone and _has_version(config):
        # A Gradio too old to describe its API (2.x): the schema says which version it is,
        # with no endpoints, so that the space is reported as unsupported, not as not Gradio.
        return functools.partial(parse_space_schema, {"named_endpoints": {}}, config, None, limits)
    if isinstance(info, BaseException):
        # A space behind Gradio auth still serves its MCP schema.
        if isinstance(info, SpaceError) and mcp_schema and info.status in (401, 403):
            return functools.partial(parse_space_schema, None, None, mcp_schema, limits)
        raise info
    if not isinstance(info, Mapping):
        raise SpaceError(ErrorKind.BAD_PAYLOAD, f"{info_url} is not a JSON object", phase="schema")
    config = config if isinstance(config, Mapping) else None
    if is_gradio3(info, config):  # Gradio 3 documents read with that era's rules
        return functools.partial(parse_gradio3_schema, info, config, limits)
    parse = functools.partial(parse_space_schema, info, config, mcp_schema, limits)
    return functools.partial(_at_root, parse) if at_root and config is None else parse
