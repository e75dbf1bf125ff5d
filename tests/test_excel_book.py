"""The live-Excel book (udfs/_excel_book.py) against its file twin: every macro run through
ExcelBook on a file-based double of xlwings' object model leaves the same workbook as the
same macro run through FileBook."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import xlwings_book_double as double
from tests.test_macros import dated, ranked_plan, type_a_kpi
from udfs._excel_book import ExcelBook, excel_value
from udfs.ribbon import run
from xlplan.macros import MACROS, FileBook, Formula
from xlplan.workbook import render_bytes
from xlplan.workbook.templates import translations


def _cells(wb) -> dict:  # type: ignore[no-untyped-def]
    out = {}
    for ws in wb.worksheets:
        out[(ws.title, "protected")] = bool(ws.protection.sheet)
        for chart_index, chart in enumerate(ws._charts):
            series = chart.series[0]
            out[(ws.title, f"chart{chart_index}")] = (
                series.val.numRef.f, (series.cat.numRef or series.cat.strRef).f)
        for row in ws.iter_rows():
            for cell in row:
                out[(ws.title, cell.coordinate)] = (
                    cell.value, cell.data_type, bool(cell.quotePrefix), cell.fill.fgColor.rgb,
                    cell.comment.text if cell.comment else None, bool(cell.font.bold))
    return out


@pytest.mark.parametrize("macro", ["score-priorities", "check-funding", "refresh-dashboard",
                                   "check-plan"])
def test_live_book_leaves_what_the_file_twin_leaves(macro, example_plans, tmp_path):
    """Same macro, same starting workbook: ExcelBook (through the xlwings double) and FileBook
    end with the same cells, fills, notes, protection and chart sources."""
    plans = {"score-priorities": ranked_plan(example_plans["boutique"]),
             "check-funding": dated(example_plans["northwind"]),
             "refresh-dashboard": dated(example_plans["andina"]),
             "check-plan": dated(example_plans["boutique"])}
    plan = plans[macro]
    source = tmp_path / "plan.xlsx"
    source.write_bytes(render_bytes(plan))
    if macro == "refresh-dashboard":
        typed = FileBook(source)
        type_a_kpi(typed, translations(plan.language))
        typed.save(tmp_path / "typed.xlsx")
        source = tmp_path / "typed.xlsx"
    file_book = FileBook(source)
    file_result = MACROS[macro](file_book)
    excel = double.Book(source)
    live_result = MACROS[macro](ExcelBook(excel))
    assert live_result.message == file_result.message
    assert _cells(excel.wb) == _cells(file_book.workbook)
    if macro in ("score-priorities", "refresh-dashboard"):
        assert excel.app.calculations == 1


def test_text_goes_to_excel_as_text():
    """Any text reaches Excel behind an apostrophe (never a formula, number or date); only
    the macro's own formulas go as formulas."""
    assert excel_value("=1+1") == "'=1+1"
    assert excel_value("3-4") == "'3-4"
    assert excel_value("'quoted") == "''quoted"
    assert excel_value(Formula('=HYPERLINK("#A1","A1")')) == '=HYPERLINK("#A1","A1")'
    assert excel_value(12.5) == 12.5 and excel_value(None) is None and excel_value("") == ""


def test_live_book_asks_before_replacing_and_needs_a_saved_workbook(example_plans, tmp_path):
    """Export in Excel: a changed file already there is kept when the consultant says no,
    replaced on yes; a workbook never saved has no folder to write to."""
    path = tmp_path / "boutique.xlsx"
    path.write_bytes(render_bytes(dated(example_plans["boutique"])))
    run("export-actions", ExcelBook(double.Book(path)))
    csv_path = tmp_path / "boutique - actions.csv"
    csv_path.write_text("edited by hand")
    refusing = double.Book(path, answer="no")
    run("export-actions", ExcelBook(refusing))
    assert csv_path.read_text() == "edited by hand"
    assert any(buttons == "yes_no" for _, buttons in refusing.app.alerts)
    agreeing = double.Book(path, answer="yes")
    run("export-actions", ExcelBook(agreeing))
    assert csv_path.read_text() != "edited by hand"
    assert "boutique - actions.csv" in agreeing.app.alerts[-1][0]
    unsaved = double.Book(path)
    unsaved.fullname = "Book1"
    assert run("export-actions", ExcelBook(unsaved)) is None
    assert "save the workbook first" in unsaved.app.alerts[-1][0]


def test_protection_is_restored(example_plans, tmp_path):
    """Sheets protected before a macro are protected after it, with the same permissions (the
    double refuses changes to a protected sheet, as Excel does, so the live book must lift
    protection to write)."""
    path = tmp_path / "northwind.xlsx"
    path.write_bytes(render_bytes(dated(example_plans["northwind"])))
    excel = double.Book(path)
    before = {ws.title: ws.protection.sheet for ws in excel.wb.worksheets}
    MACROS["check-funding"](ExcelBook(excel))
    assert {ws.title: ws.protection.sheet for ws in excel.wb.worksheets} == before
    # The working copy protects only the sheet with nothing to type (the dashboard): Excel
    # grows no table on a protected sheet.
    dashboard = len(before) - 1
    assert list(before.values()) == [False] * dashboard + [True]
    with pytest.raises(double.ProtectedSheetError):
        excel.sheets[dashboard].range((1, 1)).value = [["x"]]


def test_protection_keeps_its_permissions(example_plans, tmp_path):
    """A macro writing on a protected sheet (the funding sheet of a client copy) puts the
    protection back with the permissions it had (format columns and rows, sort, filter), not
    a bare Protect() that drops them."""
    path = tmp_path / "northwind.xlsx"
    path.write_bytes(render_bytes(dated(example_plans["northwind"])))
    excel = double.Book(path)
    funding = next(ws for ws in excel.wb.worksheets if ws.title == "Sources & uses")
    funding.protection.sheet = True
    funding.protection.formatColumns = funding.protection.sort = False  # allowed
    before = repr(funding.protection)
    MACROS["check-funding"](ExcelBook(excel))
    assert repr(funding.protection) == before and funding.protection.sheet
    assert any(c.comment for row in funding.iter_rows() for c in row)  # it did write there


def test_double_path_matches_a_real_file(tmp_path: Path, example_plans):
    """The double's SaveCopyAs writes a workbook the reader opens (the snapshot path)."""
    path = tmp_path / "andina.xlsx"
    path.write_bytes(render_bytes(dated(example_plans["andina"])))
    with ExcelBook(double.Book(path)).snapshot() as copy:
        assert copy.exists() and copy.parent != path.parent
