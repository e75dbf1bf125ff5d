"""Consolidation of many client workbooks, and next year's plan from last year's."""

from __future__ import annotations

import openpyxl
from click.testing import CliRunner

from xlplan import compute
from xlplan.cli import main
from xlplan.model import Status
from xlplan.next_year import next_year_plan
from xlplan.reader.workbook import read_workbook
from xlplan.workbook import render_bytes


def test_consolidate_rows_charts_and_unreadable_files(example_plans, tmp_path):
    """A row per readable client with Python's figures, charts, and the unreadable listed."""
    folder = tmp_path / "clients"
    folder.mkdir()
    for name, plan in example_plans.items():
        (folder / f"{name}.xlsx").write_bytes(render_bytes(plan))
    (folder / "broken.xlsx").write_bytes(b"not a workbook")
    (folder / "~$boutique.xlsx").write_bytes(b"Excel lock file")
    out = tmp_path / "portfolio.xlsx"
    result = CliRunner().invoke(main, ["consolidate", str(folder), "-o", str(out), "--lang",
                                       "fr", "--no-progress", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "3 clients, 1 unreadable files" in result.output
    wb = openpyxl.load_workbook(out)
    clients, summary, unreadable = wb.worksheets
    rows = {r[1]: r for r in clients.iter_rows(min_row=2, values_only=True)}
    boutique = compute(example_plans["boutique"])
    row = rows["boutique.xlsx"]
    assert row[0] == "Boutique Lumière"
    assert row[4] == boutique.customer_capital and row[6] is True
    assert row[13] == boutique.actions_completion and row[14] == boutique.late_actions
    assert rows["northwind.xlsx"][6] is False  # its funding goes below zero
    assert [r[0] for r in unreadable.iter_rows(min_row=2, values_only=True)] == ["broken.xlsx"]
    assert len(summary._charts) == 2 and "Portfolio" in clients.tables


def test_next_year_from_last_year(example_plans, tmp_path):
    """KPIs (targets and actuals) carry into the bilan, open actions and the priorities they
    serve carry over, opening cash is last year's year-end cash, funding starts empty."""
    last = example_plans["boutique"]
    source = tmp_path / "2027.xlsx"
    source.write_bytes(render_bytes(last))
    target = tmp_path / "2028.xlsx"
    result = CliRunner().invoke(main, ["new", "--from", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    plan = read_workbook(target).plan
    assert plan is not None and plan == next_year_plan(last)
    assert plan.plan.year == 2028 and plan.plan.as_of is None
    assert plan.kpis == last.kpis
    assert [a.what for a in plan.actions] == [a.what for a in last.actions
                                              if a.status is not Status.DONE]
    assert {p.title for p in plan.priorities} == {a.priority for a in plan.actions if a.priority}
    assert plan.plan.opening_cash == compute(last).funding.gap
    assert not plan.funding.uses and not plan.funding.sources
