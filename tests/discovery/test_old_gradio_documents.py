"""Fetching the documents of old Gradios: Gradio 4 serves /info at the root, Gradio 2 none."""

from __future__ import annotations

import pytest

from gradio_mcp.discovery._host_slots import HostSlots
from gradio_mcp.discovery._schema_fetcher import fetch_space_schema
from tests.mock_http import MockHTTP
from tests.upstream import fixture

pytestmark = pytest.mark.anyio

SPACE = "https://old.hf.space"


async def test_an_info_found_at_the_root_puts_the_api_there(http_mock: MockHTTP) -> None:
    http_mock.add_response(url=f"{SPACE}/info", json=fixture("blocks_gradio_api_info.json"))
    schema = await fetch_space_schema(http_mock.client(), SPACE, timeout=5, slots=HostSlots(4, 8))
    assert schema.endpoints and schema.api_prefix == "" and schema.protocol is None


async def test_a_gradio_2_app_is_known_by_its_config(http_mock: MockHTTP) -> None:
    http_mock.add_response(url=f"{SPACE}/config", json={"version": "2.9.4", "mode": "interface"})
    schema = await fetch_space_schema(http_mock.client(), SPACE, timeout=5, slots=HostSlots(4, 8))
    assert (schema.endpoints, schema.gradio_version) == ((), "2.9.4")


async def test_a_page_that_is_not_an_api_at_the_root_leaves_the_gradio_2_verdict(
    http_mock: MockHTTP,
) -> None:
    """A Gradio 2 app answers its root paths with a web page: what is there is no API, so
    the space is still known by its /config (unsupported), not failed as a bad document."""
    http_mock.add_response(url=f"{SPACE}/info", text="<html>Gradio</html>")
    http_mock.add_response(url=f"{SPACE}/config", json={"version": "2.9.4", "mode": "interface"})
    schema = await fetch_space_schema(http_mock.client(), SPACE, timeout=5, slots=HostSlots(4, 8))
    assert (schema.endpoints, schema.gradio_version) == ((), "2.9.4")
