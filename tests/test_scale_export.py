"""``xlplan export`` writes YAML with libyaml's emitter when it writes the same text as PyYAML's
own, which it always used and which is much slower: the plan file is the same, byte for
byte."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import plans
from xlplan import export
from xlplan.export import dump_plan, plan_data
from xlplan.model import Plan

pytestmark = pytest.mark.skipif(not hasattr(yaml, "CSafeDumper"), reason="PyYAML without libyaml")


def pyyaml(data: object) -> str:
    """The plan file as ``xlplan export`` wrote it before: PyYAML's pure-Python emitter."""
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def libyaml(data: object) -> str:
    return str(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True,
                         width=100))


@settings(max_examples=200, deadline=None)
@given(plans(max_items=8))
def test_a_plan_is_written_as_pyyaml_writes_it(plan: Plan):
    assert dump_plan(plan) == pyyaml(plan_data(plan))


LIKE = st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)).filter(
    lambda c: not export._NOT_LIKE_PYYAML.search(c))
TRICKY = st.sampled_from([*" \t\n:#-?'\"{}[],&*!|>%@`~=+\u00a0\u3000é€", "yes", "no", "null",
                          "~", "1e3", "0x1F", "2027-01-01", "- a", "a: b", "...", "---"])
ANY = st.characters(codec="utf-8")


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(LIKE, TRICKY), max_size=120).map("".join))
def test_the_text_libyaml_is_trusted_with_is_written_alike(text: str):
    """Within the characters the fast path takes, both emitters agree on any text: values,
    keys (review measures are keyed by an objective's title), long lines folded at 100."""
    data = {"k": text, "l": [text, {"x": text}], text or "e": [1.5, None, True],
            "n": {text or "f": 1}}
    assert libyaml(data) == pyyaml(data)


@settings(max_examples=300, deadline=None)
@given(st.text(ANY, max_size=60))
def test_any_text_is_written_as_pyyaml_writes_it(text: str):
    """Outside them (an emoji, a carriage return, NEL...) the plan goes to PyYAML's emitter:
    the file is the same whatever the text."""
    plan = Plan.model_validate({"client": {"name": "C", "sector": text or None},
                                "plan": {"year": 2027, "vision": text or None},
                                "barriers": [text] if text.strip() else []}, strict=False) if (
        not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)) else None
    if plan is not None:
        assert dump_plan(plan) == pyyaml(plan_data(plan))


@pytest.mark.parametrize("text", ["rocket \U0001F680", "a\rb", "a\x85b", "a\u2028b", "\ufeffa",
                                  "a\u2029b"])
def test_text_libyaml_may_write_otherwise_goes_to_pyyaml(text: str):
    plan = Plan.model_validate({"client": {"name": "C", "sector": text},
                                "plan": {"year": 2027}})
    assert dump_plan(plan) == pyyaml(plan_data(plan))


@pytest.mark.parametrize("data", [{"k": "rocket \U0001F680"}, {"k": "a\x85b"}, {"a\rb": 1},
                                  {"": 1}])
def test_where_the_emitters_differ(data: dict[str, object]):
    """Why the fast path leaves some text (and an empty key, which no valid plan has) to
    PyYAML's emitter."""
    assert libyaml(data) != pyyaml(data)
    assert not export._like_pyyaml(data)
