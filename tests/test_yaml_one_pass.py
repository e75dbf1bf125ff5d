"""The one-pass YAML build (plan_yaml._fast_yaml) against PyYAML's composing path."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.scale import plan_data
from tests.strategies import yaml_texts
from xlplan import plan_yaml
from xlplan.errors import PlanError

ROOT = Path(__file__).resolve().parent.parent


def _typed(value: Any) -> Any:
    """A value with the type of each part spelled out (1 == 1.0 == True to Python)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, repr(value))


def _composed(text: str) -> Any:
    try:
        data, lines, problems = plan_yaml._composed_yaml(text, "plan.yaml")
    except PlanError as exc:
        return ("refused", str(exc))
    return _typed(data), lines, problems


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_texts())
def test_one_pass_build_is_the_composed_load_wherever_it_answers(text: str) -> None:
    """Wherever the one-pass build answers, PyYAML's composing path gives the same data (types
    included), the same line for every path and the same duplicate keys; where that path
    refuses the text, the one-pass build does not answer."""
    built = plan_yaml._fast_yaml(text)
    if built is not None:
        data, lines, problems = built
        assert (_typed(data), lines, problems) == _composed(text)


@given(st.sampled_from(["012", "0o17", "1_000", "1:30", "0x1F", "-.inf", ".NaN", "2027-02-30",
                        "2027-01-31", "2027-1-5 10:00:00", "yes", "~", "1.5e3", "3."]))
def test_literals_with_rules_of_their_own_read_as_pyyaml_reads_them(token: str) -> None:
    """Octal, base 60, underscores, infinities, impossible dates: built as PyYAML builds
    them, in a plain plan (so by the one-pass build)."""
    text = f"a: {token}\nb:\n  - {token}\n  - x\n"
    built = plan_yaml._fast_yaml(text)
    assert built is not None
    assert (_typed(built[0]), built[1], built[2]) == _composed(text)


@pytest.mark.parametrize("name", ["boutique", "northwind", "andina"])
def test_the_examples_take_the_one_pass_build(name: str) -> None:
    """The bundled plans are plain: the one-pass build reads them, as PyYAML would."""
    text = (ROOT / "examples" / f"{name}.yaml").read_text(encoding="utf-8")
    built = plan_yaml._fast_yaml(text)
    assert built is not None
    assert (_typed(built[0]), built[1], built[2]) == _composed(text)


def test_a_large_generated_plan_takes_the_one_pass_build() -> None:
    """A 2,000-item plan as the benchmark writes it: one pass, equal to the composed load."""
    text = yaml.safe_dump(plan_data(2000), allow_unicode=True, sort_keys=False)
    built = plan_yaml._fast_yaml(text)
    assert built is not None
    assert (_typed(built[0]), built[1], built[2]) == _composed(text)


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x\n", "a: !!str 1\n", "<<: {a: 1}\n",
                                  "? [a]\n: 1\n", "a: 1\n---\nb: 2\n", "a: [1, 2\n"])
def test_anything_but_plain_goes_the_composing_way(text: str) -> None:
    """Anchors, aliases, tags, merge keys, complex keys, two documents, a syntax error: left
    to the composing path, which says what it always said."""
    assert plan_yaml._fast_yaml(text) is None
