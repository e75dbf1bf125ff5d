"""``xlplan export`` makes the YAML nodes of a plan itself (``export.plain_nodes``) and
remembers each text's implicit tag: the plan file is the one PyYAML's own representer and
resolver give, byte for byte, with either emitter; anything else goes PyYAML's own way."""

from __future__ import annotations

import gc
from datetime import date
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from xlplan import export

pytestmark = pytest.mark.skipif(not hasattr(yaml, "CSafeDumper"), reason="PyYAML without libyaml")

TRICKY = st.sampled_from(["", " ", "yes", "No", "null", "~", "1e3", "0x1F", "0o7", "1_000",
                          "12:30", "2027-01-01", "2027-01-01 10:00:00", "-", "- a", "a: b", "#",
                          "...", "---", "=", "<<", ".inf", ".NaN", "+1", "-.5", "on", "é€",
                          "a\nb", "  lead", "trail  ", "'q'", '"d"', "\t", "x" * 130])
TEXT = st.one_of(TRICKY, st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), TEXT,
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e17, 1e-7, 5e-324, 1.5e300, 123456789.125, 1e16]))
PLAIN = st.recursive(SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=5), st.dictionaries(TEXT, children, max_size=5)),
    max_leaves=40)


def _dumped(data: Any, dumper: Any, **options: Any) -> tuple[str, str]:
    """The text a dumper writes (``yaml.dump`` as export calls it), or the error it raises."""
    settings_: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 100}
    settings_.update(options)
    try:
        return "text", str(yaml.dump(data, Dumper=dumper, **settings_))
    except Exception as exc:
        return "error", type(exc).__name__


@settings(max_examples=600, deadline=None)
@given(PLAIN)
def test_plain_data_is_written_as_pyyaml_writes_it(data):
    """Any plain data (NaN, -0.0, huge ints, tricky texts too) is written as PyYAML writes it."""
    assert _dumped(data, export._DUMPER) == _dumped(data, yaml.CSafeDumper)
    assert _dumped(data, export._SafeDumper) == _dumped(data, yaml.SafeDumper)


def test_the_plain_nodes_are_the_representers_nodes():
    """The node tree itself is the one SafeRepresenter makes: tags, values, styles."""
    data = {"a": [1, 2.5, None, True, "x", {"b": -0.0, "c": float("inf")}], "d": {},
            "e": [], "f": 10**20, "g": 1e17}

    def shape(node: Any) -> Any:
        value = node.value
        if isinstance(value, list):
            value = [tuple(shape(n) for n in v) if isinstance(v, tuple) else shape(v)
                     for v in value]
        return (type(node).__name__, node.tag, value, getattr(node, "style", None),
                getattr(node, "flow_style", None))

    representer = yaml.representer.SafeRepresenter(default_flow_style=False, sort_keys=False)
    assert shape(export.plain_nodes(data)) == shape(representer.represent_data(data))


@pytest.mark.parametrize("data", [
    {"a": (1, 2)}, {"d": date(2027, 1, 2)}, {1: "int key"}, {"s": {1, 2}},
    {"b": b"bytes"}, [True, 1, 1.0],
])
def test_other_data_goes_pyyamls_way(data):
    """Tuples, dates, sets, bytes: PyYAML's own representer writes them (or refuses)."""
    assert _dumped(data, export._DUMPER) == _dumped(data, yaml.CSafeDumper)
    assert _dumped(data, export._SafeDumper) == _dumped(data, yaml.SafeDumper)


def test_a_list_or_dict_twice_is_an_alias_as_pyyaml_writes_it():
    """The same list or dict twice is left to PyYAML, which writes an anchor and an alias."""
    shared = ["x", {"y": 1}]
    data = {"a": shared, "b": shared, "c": shared[1]}
    text = _dumped(data, export._DUMPER)
    assert text == _dumped(data, yaml.CSafeDumper)
    assert "&id001" in text[1]


@pytest.mark.parametrize("options", [{"sort_keys": True}, {"default_flow_style": None},
                                     {"default_style": '"'}, {"explicit_start": True},
                                     {"canonical": True}])
def test_other_styles_go_pyyamls_way(options):
    """Sorted keys, flow or quoted styles (not export's) are written as PyYAML writes them."""
    data = {"b": [1, {"c": "x"}], "a": "yes", "n": None}
    assert _dumped(data, export._DUMPER, **options) == _dumped(data, yaml.CSafeDumper,
                                                               **options)


def test_a_path_resolver_is_heeded():
    """A path resolver (none in PyYAML's safe dumper, but one may be added) is asked."""
    class Tagged(export._FastDumper):  # type: ignore[name-defined,misc]
        pass

    class Plain(yaml.CSafeDumper):
        pass

    for dumper in (Tagged, Plain):
        dumper.add_path_resolver("!x", ["a"], str)
    data = {"a": "v", "b": "w"}
    assert _dumped(data, Tagged) == _dumped(data, Plain)


def test_the_collector_is_on_again_after_writing(example_plans):
    """Writing a plan pauses the collector and turns it on again."""
    assert gc.isenabled()
    export.dump_plan(example_plans["boutique"])
    assert gc.isenabled()
