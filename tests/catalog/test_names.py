"""Tool names: valid, short, unique, and stable whatever else is listed."""

from __future__ import annotations

import re

import pytest

from gradio_mcp.catalog._catalog import build_catalog
from gradio_mcp.catalog._names import (
    MAX_NAME_LENGTH,
    assign_tool_names,
    may_belong_to,
    qualified_tool_name,
)
from gradio_mcp.errors import UnknownNameError
from gradio_mcp.models import (
    Endpoint,
)
from tests.tool_fixtures import (
    CHOOSE,
    FILE_INFO,
    LETTER_COUNTER,
    NAME_RE,
    failed,
    names_by_endpoint,
    space,
)


def test_names_are_short_readable_and_valid() -> None:
    catalog = build_catalog([space("alice/letters", LETTER_COUNTER, CHOOSE)])
    assert [tool.name for tool in catalog.tools] == ["letters__letter_counter", "letters__choose"]


def test_awkward_characters_are_sanitised() -> None:
    weird = Endpoint("predict.v2 (beta)/ü", "", (), ())
    catalog = build_catalog([space("black-forest-labs/FLUX.1-schnell", weird)])
    (name,) = [tool.name for tool in catalog.tools]
    assert NAME_RE.match(name)
    assert name == "FLUX_1-schnell__predict_v2_beta"


def test_name_of_an_endpoint_survives_other_spaces_being_added_removed_reordered_or_failing() -> (
    None
):
    a = space("alice/letters", LETTER_COUNTER)
    b = space("bob/chooser", CHOOSE)
    c = space("carol/files", FILE_INFO)
    alone = names_by_endpoint([a])
    everyone = names_by_endpoint([c, b, a])
    with_failure = names_by_endpoint([failed("dave/broken"), a, b])
    assert alone[("alice/letters", "letter_counter")] == "letters__letter_counter"
    assert everyone[("alice/letters", "letter_counter")] == "letters__letter_counter"
    assert with_failure[("alice/letters", "letter_counter")] == "letters__letter_counter"
    assert everyone[("bob/chooser", "choose")] == with_failure[("bob/chooser", "choose")]


def test_same_space_name_under_two_owners_gets_distinct_stable_names() -> None:
    alice = space("alice/flux", LETTER_COUNTER)
    bob = space("bob/flux", LETTER_COUNTER)
    names = names_by_endpoint([alice, bob])
    assert len(set(names.values())) == 2
    assert all(NAME_RE.match(name) for name in names.values())
    # Neither owner keeps the bare short name: it would silently mean a different space
    # depending on which other spaces are configured.
    assert "flux__letter_counter" not in names.values()
    assert names == names_by_endpoint([bob, alice])
    # A failed duplicate still counts, so a flaky space does not rename the healthy one.
    assert (
        names_by_endpoint([alice, failed("bob/flux")])[("alice/flux", "letter_counter")]
        == (names[("alice/flux", "letter_counter")])
    )


def test_qualified_name_always_resolves_even_when_the_short_name_is_listed() -> None:
    catalog = build_catalog([space("alice/flux", LETTER_COUNTER)])
    listed = catalog.tools[0]
    qualified = listed.meta["gradio-mcp/qualified_name"] if listed.meta else ""
    assert listed.name == "flux__letter_counter"
    assert qualified != listed.name
    # After bob/flux appears, the qualified name alice's client pinned still works...
    later = build_catalog([space("alice/flux", LETTER_COUNTER), space("bob/flux", CHOOSE)])
    assert later.resolve(qualified).space_id == "alice/flux"
    assert later.tools[0].name == qualified
    # ...and the old short name fails clearly instead of reaching bob's space.
    with pytest.raises(UnknownNameError, match="Unknown tool: flux__letter_counter"):
        later.resolve("flux__letter_counter")


def test_very_long_names_fit_the_budget_and_stay_unique() -> None:
    long_space = "some-org/" + "a-very-long-space-name-that-keeps-going-" * 2
    endpoints = [
        Endpoint("generate_image_with_extremely_long_endpoint_name_" + s, "", (), ())
        for s in ("one", "two")
    ]
    catalog = build_catalog([space(long_space, *endpoints)])
    names = [tool.name for tool in catalog.tools]
    assert len(set(names)) == 2
    for name in names:
        assert NAME_RE.match(name)
        assert len(name) <= 48
        assert name.startswith("a-very-long-space")
        assert "generate_image" in name
    # The hard limit can be raised to 64, never beyond.
    wide = build_catalog([space(long_space, *endpoints)], max_name_length=MAX_NAME_LENGTH)
    assert all(len(tool.name) <= 64 for tool in wide.tools)
    with pytest.raises(ValueError, match="between"):
        build_catalog([space(long_space, *endpoints)], max_name_length=65)


def test_endpoints_that_sanitise_alike_are_told_apart() -> None:
    names = assign_tool_names(["alice/demo"], [("alice/demo", "a.b"), ("alice/demo", "a_b")])
    listed = [n.name for n in names.values()]
    assert len(set(listed)) == 2
    assert all(name.startswith("demo__a_b_") for name in listed)


def test_qualified_names_depend_only_on_the_endpoint() -> None:
    first = qualified_tool_name("alice/flux", "infer")
    assert first == qualified_tool_name("alice/flux", "/infer")
    assert first != qualified_tool_name("bob/flux", "infer")
    assert re.fullmatch(r"flux__infer_[0-9a-f]{6}", first)


def test_same_space_twice_lists_its_tools_once() -> None:
    catalog = build_catalog([space("alice/letters", LETTER_COUNTER)] * 2)
    assert [tool.name for tool in catalog.tools] == ["letters__letter_counter"]


def test_order_follows_spaces_then_endpoints_and_failed_spaces_add_nothing() -> None:
    catalog = build_catalog(
        [
            space("bob/chooser", CHOOSE, FILE_INFO),
            failed("x/y"),
            space("alice/letters", LETTER_COUNTER),
        ]
    )
    assert [(r.space_id, r.api_name) for r in catalog.refs] == [
        ("bob/chooser", "choose"),
        ("bob/chooser", "file_info"),
        ("alice/letters", "letter_counter"),
    ]


def test_resolve_gives_back_space_and_endpoint() -> None:
    catalog = build_catalog([space("alice/letters", LETTER_COUNTER)])
    ref = catalog.resolve("letters__letter_counter")
    assert (ref.space_id, ref.api_name, ref.endpoint) == (
        "alice/letters",
        "letter_counter",
        LETTER_COUNTER,
    )
    with pytest.raises(UnknownNameError):
        catalog.resolve("letters__nope")


def test_endpoint_name_style_lists_bare_names_and_qualifies_clashes() -> None:
    names = assign_tool_names(
        ["alice/one", "bob/two"],
        [("alice/one", "predict"), ("alice/one", "only_here"), ("bob/two", "predict")],
        style="endpoint",
    )
    assert names[("alice/one", "only_here")].name == "only_here"
    clashed = {names[("alice/one", "predict")].name, names[("bob/two", "predict")].name}
    assert "predict" not in clashed and len(clashed) == 2
    assert all(n.startswith(("one__predict_", "two__predict_")) for n in clashed)


def test_a_name_points_back_to_the_spaces_that_could_own_it() -> None:
    long_id = "alice/" + "a-very-long-space-name" * 3
    qualified = qualified_tool_name(long_id, "predict")
    assert may_belong_to(qualified, long_id)
    assert may_belong_to("sleepy__letter_counter", "alice/sleepy")
    assert not may_belong_to("sleepy__letter_counter", "alice/awake")
    assert not may_belong_to("letter_counter", "alice/sleepy")
    assert may_belong_to("letter_counter", "alice/sleepy", style="endpoint")
