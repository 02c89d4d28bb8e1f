"""LocalHub's space listing, as the Hub's `/api/spaces` answers: filters, order, pages,
fields, privacy, and the parameters it refuses."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest

from gradio_mcp.dev._hub_listing import ListingError, list_spaces
from gradio_mcp.dev.hub_emulator import HubSpace

SPACES = [
    HubSpace("a/one", title="First tool", likes=5).payload(),
    HubSpace("b/two", title="Second", likes=50, mcp_server=True).payload(),
    HubSpace("c/three", sdk="docker", title="Third tool", likes=500).payload(),
    HubSpace("d/four", title="Fourth tool", likes=1, private=True).payload(),
]


def listed(params: dict[str, list[str]], may_read: bool = False) -> list[str]:
    return [e["id"] for e in list_spaces(SPACES, params, lambda _p: may_read).entries]


def test_search_filter_and_order() -> None:
    assert listed({"search": ["TOOL"]}) == ["a/one", "c/three"]
    assert listed({"search": ["tool"], "filter": ["gradio"]}) == ["a/one"]
    assert listed({"filter": ["gradio", "mcp-server"]}) == ["b/two"]
    assert listed({"sort": ["likes"]}) == ["c/three", "b/two", "a/one"]
    assert listed({"sort": ["likes"], "direction": ["1"]}) == ["a/one", "b/two", "c/three"]


def test_private_spaces_only_for_readers() -> None:
    assert "d/four" not in listed({})
    assert "d/four" in listed({}, may_read=True)


def test_pages_and_fields() -> None:
    params = {"sort": ["likes"], "limit": ["2"], "expand[]": ["likes"]}
    first = list_spaces(SPACES, params, lambda _p: False)
    assert first.entries == [
        {"_id": SPACES[2]["_id"], "id": "c/three", "likes": 500},
        {"_id": SPACES[1]["_id"], "id": "b/two", "likes": 50},
    ]
    assert first.next_query is not None
    following: dict[str, Any] = parse_qs(first.next_query)
    second = list_spaces(SPACES, following, lambda _p: False)
    assert [e["id"] for e in second.entries] == ["a/one"]
    assert second.next_query is None


@pytest.mark.parametrize(
    "params",
    [{"sort": ["random"]}, {"limit": ["0"]}, {"limit": ["x"]}, {"cursor": ["garbage"]}],
)
def test_bad_parameters_are_refused(params: dict[str, list[str]]) -> None:
    with pytest.raises(ListingError):
        list_spaces(SPACES, params, lambda _p: False)
