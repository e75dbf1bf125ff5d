"""Consolidation of many client workbooks, and next year's plan from last year's."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from tests.hostile import hostile_files
from xlplan import compute
from xlplan.batch import portfolio
from xlplan.batch.portfolio import CRASHED, ClientSummary, Unreadable, consolidate, summarise
from xlplan.cli import main
from xlplan.model import Status
from xlplan.next_year import next_year_plan
from xlplan.reader.check import check_workbook
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
    """Last year's objectives become the bilan (target, latest measure, direction); open
    actions and the priorities they serve carry over, with the ideas on hold; opening cash
    is last year's planned year-end cash when no review recorded one; funding starts empty."""
    last = example_plans["boutique"]
    source = tmp_path / "2027.xlsx"
    source.write_bytes(render_bytes(last))
    target = tmp_path / "2028.xlsx"
    result = CliRunner().invoke(main, ["new", "--from", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    plan = read_workbook(target).plan
    assert plan is not None and plan == next_year_plan(last)
    assert plan.plan.year == 2028 and plan.plan.as_of is None
    assert [k.name for k in plan.kpis] == [o.title for o in last.objectives
                                           if o.target is not None]
    assert [a.what for a in plan.actions] == [a.what for a in last.actions
                                              if a.status is not Status.DONE]
    assert {p.title for p in plan.priorities} == {a.priority for a in plan.actions
                                                  if a.priority} | {
        p.title for p in last.priorities if p.score == 1}
    assert plan.plan.opening_cash == compute(last).funding.gap
    assert not plan.funding.uses and not plan.funding.sources


def _portfolio(path: Path) -> tuple[dict[str, tuple], dict[str, str]]:
    """The clients (file -> row) and the unreadable files (file -> reason) of a portfolio."""
    clients, _, unreadable = openpyxl.load_workbook(path).worksheets
    rows = {r[1]: r for r in clients.iter_rows(min_row=2, values_only=True)}
    return rows, {r[0]: r[1] for r in unreadable.iter_rows(min_row=2, values_only=True)}


@pytest.fixture(scope="module")
def damaged_folder(example_plans, tmp_path_factory):
    """Two good workbooks (one named in capitals), every hostile one but those only reported,
    a macro-enabled copy, and an Excel lock file."""
    folder = tmp_path_factory.mktemp("clients")
    (folder / "boutique.xlsx").write_bytes(render_bytes(example_plans["boutique"]))
    (folder / "Northwind.XLSX").write_bytes(render_bytes(example_plans["northwind"]))
    (folder / "andina.xlsm").write_bytes(render_bytes(example_plans["andina"]))
    (folder / "~$boutique.xlsx").write_bytes(b"Excel lock file")
    bad = hostile_files(example_plans["boutique"], tmp_path_factory.mktemp("hostile"))
    for name, path in bad.items():
        if not name.startswith("report_"):
            shutil.copy(path, folder / path.name)
    return folder


@pytest.mark.parametrize("workers", [1, 2])
def test_consolidate_lists_every_damaged_file_and_reads_the_others(damaged_folder, tmp_path,
                                                                   workers):
    """Each file `check` cannot read is on the unreadable sheet with its reason, the .xlsm
    too (never skipped in silence), the lock file is skipped, and the others are clients with
    the problem count `check` gives (a -1e308 date is a problem at its cell, not a crash)."""
    out = tmp_path / "portfolio.xlsx"
    clients, unreadable = consolidate(damaged_folder, out, workers=workers, progress=False)
    rows, reasons = _portfolio(out)
    readable = {"boutique.xlsx", "Northwind.XLSX", "date_out_of_range.xlsx"}
    assert set(rows) == readable and clients == 3
    damaged = {p.name for p in damaged_folder.iterdir()} - readable - {"~$boutique.xlsx"}
    assert set(reasons) == damaged and unreadable == len(damaged)
    assert all(reasons.values())
    assert reasons["andina.xlsm"].startswith("macro-enabled workbook (.xlsm): not read")
    for name in readable:
        assert rows[name][-1] == len(check_workbook(damaged_folder / name).problems), name
    assert rows["date_out_of_range.xlsx"][-1] >= 1
    assert "more than 200,000 rows" in reasons["lying_dimension.xlsx"]
    assert "is damaged" in reasons["damaged_deflate.xlsx"]


def summarise_or_die(path: Path) -> ClientSummary | Unreadable:
    """Like summarise, but the worker process reading ``crash.xlsx`` is killed, as the OOM
    killer (or a reader's abort) would (module-level: sent to the worker processes)."""
    if path.name == "crash.xlsx":
        os.kill(os.getpid(), signal.SIGKILL)
    return summarise(path)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_reader_process_that_dies_costs_only_its_file(example_plans, tmp_path, workers):
    """A worker killed while reading one file breaks its pool: the files it held are read
    again one at a time, so only the culprit is listed ("the reader crashed"), and the
    portfolio is written with every other client."""
    folder = tmp_path / "clients"
    folder.mkdir()
    good = render_bytes(example_plans["boutique"])
    names = [f"client{i:02}.xlsx" for i in range(9)]
    for name in [*names, "crash.xlsx"]:
        (folder / name).write_bytes(good)
    out = tmp_path / "portfolio.xlsx"
    clients, unreadable = consolidate(folder, out, workers=workers, progress=False,
                                      summarise=summarise_or_die)
    rows, reasons = _portfolio(out)
    assert (clients, unreadable) == (9, 1)
    assert sorted(rows) == names and reasons == {"crash.xlsx": CRASHED}


def summary_or_die(path: Path) -> ClientSummary | Unreadable:
    """A made-up summary for each file (no reading: fast), but the worker process given
    ``crash.xlsx`` is killed (module-level: sent to the worker processes)."""
    if path.name == "crash.xlsx":
        os.kill(os.getpid(), signal.SIGKILL)
    values = (path.stem, path.name, "en", "EUR", 1.0, 0.0, True, 0.0, None, 0, 0, 0, 0, 0.0, 0,
              None, 0)
    return ClientSummary(values, 1.0, True, 0)


@pytest.mark.parametrize("workers", [1, 2])
def test_files_read_with_the_one_that_kills_its_reader_are_read_again(tmp_path, workers):
    """Files go to the workers in chunks: those in the dead worker's chunk, and in every
    other chunk in flight, are read again and kept; only the culprit is listed."""
    folder = tmp_path / "clients"
    folder.mkdir()
    names = [f"client{i:03}.xlsx" for i in range(120)]
    for name in names:
        (folder / name).write_bytes(b"")
    (folder / "crash.xlsx").write_bytes(b"")
    out = tmp_path / "portfolio.xlsx"
    assert consolidate(folder, out, workers=workers, progress=False,
                       summarise=summary_or_die) == (120, 1)
    rows, reasons = _portfolio(out)
    assert sorted(rows) == names and reasons == {"crash.xlsx": CRASHED}


def summarise_where(path: Path) -> Unreadable:
    """Which process read the file (module-level: sent to the worker processes)."""
    return Unreadable(path.name, f"read by process {os.getpid()}")


def test_consolidate_reads_in_worker_processes_even_with_one_worker(tmp_path):
    """Reading never happens in the consolidating process itself (a reader that aborts would
    take the portfolio with it)."""
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(b"anything")
    consolidate(folder, tmp_path / "p.xlsx", workers=1, progress=False,
                summarise=summarise_where)
    _, reasons = _portfolio(tmp_path / "p.xlsx")
    assert reasons["a.xlsx"].startswith("read by process ")
    assert reasons["a.xlsx"] != f"read by process {os.getpid()}"


def test_a_file_that_fails_after_reading_is_unreadable_with_why(example_plans, tmp_path,
                                                                  monkeypatch):
    """A failure of any kind while summarising a file (here the figures) lists the file with
    the failure, and the portfolio is still written."""
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(render_bytes(example_plans["boutique"]))

    def broken(plan: object) -> object:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(portfolio, "compute", broken)  # seen by the forked workers too
    out = tmp_path / "p.xlsx"
    assert consolidate(folder, out, workers=1, progress=False) == (0, 1)
    assert _portfolio(out)[1] == {
        "a.xlsx": "cannot be summarised (ZeroDivisionError: float division by zero)"}
