"""What the Hub's refusals mean, against the Hub emulator on loopback: a `Retry-After` on a
429 or 503 keeps the failure remembered that long (bounded), and a token the Hub refuses
(401) is told apart from a space that is not there (404)."""

from __future__ import annotations

import email.utils
import time

import pytest

from gradio_mcp.config import Settings
from gradio_mcp.dev.hub_emulator import LocalHub
from gradio_mcp.discovery import Discovery
from gradio_mcp.discovery._hub import retry_after_seconds
from gradio_mcp.errors import ErrorKind
from tests.clock import Clock

pytestmark = pytest.mark.anyio


def discovery_for(hub: LocalHub, clock: Clock, **fields: object) -> Discovery:
    settings = Settings.from_env(
        {},
        hf_endpoint=hub.url,
        allowed_networks=("127.0.0.1/32",),
        negative_cache_ttl_ms=1000,
        stale_while_revalidate=False,  # a remembered failure's retry happens in the foreground
        **fields,
    )
    return Discovery(settings, clock=clock)


@pytest.mark.parametrize(
    ("fault", "retry_after", "remembered"),
    [
        ("status_429", "120", 120.0),
        ("status_503", "30", 30.0),
        ("status_429", "86400", 300.0),  # a day asked for, five minutes (the cap) kept
        ("status_500", "120", 1.0),  # only a rate limit or an outage says when
    ],
)
async def test_a_retry_after_keeps_the_failure_remembered_that_long(
    fault: str, retry_after: str, remembered: float
) -> None:
    with LocalHub() as hub:
        hub.add_space("alice/busy", fault=fault, retry_after=retry_after)
        clock = Clock()
        async with discovery_for(hub, clock) as discovery:
            first = await discovery.get_space("alice/busy")
            assert first.error is not None and first.error.status == int(fault[-3:])
            clock.now += remembered - 0.5
            again = await discovery.get_space("alice/busy")
            assert again.error is not None and again.error.status == first.error.status
            assert hub.metadata_requests["alice/busy"] == 1  # the Hub was left alone
            clock.now += 1.0
            await discovery.get_space("alice/busy")
            assert hub.metadata_requests["alice/busy"] == 2


async def test_an_http_date_retry_after_is_honoured_too() -> None:
    when = email.utils.formatdate(time.time() + 90, usegmt=True)
    with LocalHub() as hub:
        hub.add_space("alice/busy", fault="status_429", retry_after=when)
        clock = Clock()
        async with discovery_for(hub, clock) as discovery:
            first = await discovery.get_space("alice/busy")
            assert first.error is not None and "asked to wait" in first.error.message
            clock.now += 80
            await discovery.get_space("alice/busy")
            assert hub.metadata_requests["alice/busy"] == 1


def test_retry_after_values_that_mean_nothing_are_ignored() -> None:
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("-5") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00") is None  # no zone: not a date
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("9" * 40) == float("9" * 12)


async def test_a_refused_token_is_not_reported_as_a_missing_space() -> None:
    with LocalHub() as hub:
        hub.add_space("alice/public")
        hub.add_space("alice/private", private=True, tokens=("hf_reader",))
        hub.revoked_tokens.add("hf_expired")
        clock = Clock()
        async with discovery_for(hub, clock) as discovery:
            expired = await discovery.get_space("alice/public", token="hf_expired")
            missing = await discovery.get_space("alice/nothing", token="hf_reader")
            hidden = await discovery.get_space("alice/private", token="hf_other")
            anonymous = await discovery.get_space("alice/private")
            readable = await discovery.get_space("alice/private", token="hf_reader")
    assert expired.error is not None and expired.error.kind == ErrorKind.UNAUTHORIZED
    assert expired.error.status == 401 and "invalid or expired" in expired.error.message
    assert "not found" not in expired.error.message
    for result in (missing, hidden, anonymous):
        assert result.error is not None and result.error.kind == ErrorKind.NOT_FOUND
        assert "not found" in result.error.message
    assert readable.metadata is not None and readable.metadata.private  # found, with its token
