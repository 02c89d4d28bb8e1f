"""Tools built ahead, a space at a time as discovery hands them over (`ToolsAhead`): the
catalog built with them is the catalog built without, names and all, whatever clashes the
other spaces bring; and a space whose schema was in the cache already is not built again."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from gradio_mcp.catalog import ToolHints, ToolsAhead, build_catalog
from gradio_mcp.models import GradioSpace, Timings
from tests.tool_fixtures import CHOOSE, LETTER_COUNTER, failed, space

DAVE = "dave/" + "long" * 20  # a name too long for the budget: hashed
OPTIONS: dict[str, Any] = {
    "max_name_length": 48,
    "max_description_chars": 4096,
    "hints": ToolHints(f"{DAVE}=additive"),
}


def listed(catalog: Any) -> list[tuple[str, str, Any]]:
    return [(ref.name, ref.qualified_name, ref.tool.model_dump()) for ref in catalog.refs]


SPACES = [
    space("alice/demo", LETTER_COUNTER, CHOOSE, title="Demo"),
    space("bob/demo", LETTER_COUNTER),  # the same space name as alice's: both are qualified
    failed("carol/gone"),
    space(DAVE, CHOOSE),
]


@pytest.mark.parametrize("style", ["space", "endpoint"])
def test_a_catalog_built_ahead_is_the_catalog_built_at_once(style: str) -> None:
    ahead = ToolsAhead(name_style=style, **OPTIONS)
    for each in SPACES:
        ahead.add(each)
    assert len(ahead) == 4  # every endpoint of every space that was discovered
    with_ahead = build_catalog(SPACES, name_style=style, ahead=ahead, **OPTIONS)
    at_once = build_catalog(SPACES, name_style=style, **OPTIONS)
    assert listed(with_ahead) == listed(at_once)
    assert with_ahead.failures.keys() == at_once.failures.keys()


def test_tools_built_ahead_are_the_ones_listed_unless_their_name_changed() -> None:
    ahead = ToolsAhead(**OPTIONS)
    for each in SPACES:
        ahead.add(each)
    kept = {id(form) for _space, _name, form in ahead._made.values()}
    catalog = build_catalog(SPACES, ahead=ahead, **OPTIONS)
    reused = [ref.space_id for ref in catalog.refs if id(ref.form) in kept]
    # Alice's and bob's names clash once both are listed: theirs are built again.
    assert reused == [SPACES[3].id]


def test_a_space_whose_schema_came_from_the_cache_is_not_built_again() -> None:
    ahead = ToolsAhead(**OPTIONS)
    cached: GradioSpace = dataclasses.replace(
        SPACES[0], timings=Timings(metadata_cache="hit", schema_cache="hit")
    )
    ahead.add(cached)
    ahead.add(dataclasses.replace(SPACES[1], timings=Timings(schema_cache="miss")))
    assert len(ahead) == 1
