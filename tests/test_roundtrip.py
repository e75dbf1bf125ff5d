"""Round trip: for every plan, `new` then reading back (and `export`) gives the same plan."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

from tests.strategies import plans
from xlplan import Plan, load_plan
from xlplan.export import dump_plan
from xlplan.reader.workbook import read_workbook
from xlplan.workbook import render_bytes


def read_back(plan: Plan, folder: Path) -> Plan | None:
    path = folder / "book.xlsx"
    path.write_bytes(render_bytes(plan))
    book = read_workbook(path)
    assert not book.problems, [str(p) for p in book.problems]
    return book.plan


def test_examples_round_trip(example_plans, tmp_path):
    """Each bundled example comes back identical, and so does its exported YAML."""
    for name, plan in example_plans.items():
        assert read_back(plan, tmp_path) == plan, name
        exported = tmp_path / f"{name}.yaml"
        exported.write_text(dump_plan(plan), "utf-8")
        assert load_plan(exported) == plan


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(plan=plans())
def test_any_plan_round_trips(tmp_path, plan):
    """new -> read back is the identity on plans, hostile text and edge values included."""
    assert read_back(plan, tmp_path) == plan


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(plan=plans())
def test_export_as_json_round_trips(tmp_path, plan):
    """The exported JSON loads back to the same plan."""
    path = tmp_path / "plan.json"
    path.write_text(dump_plan(plan, "json"), "utf-8")
    assert load_plan(path) == plan


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(plan=plans())
def test_fast_reader_reads_the_same_plan(tmp_path, plan):
    """The calamine reader (consolidate) and the openpyxl reader (check) agree on any plan."""
    path = tmp_path / "book.xlsx"
    path.write_bytes(render_bytes(plan))
    fast = read_workbook(path, fast=True)
    assert not fast.problems, [str(p) for p in fast.problems]
    assert fast.plan == plan
