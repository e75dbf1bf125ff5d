"""What leaves the consultant's hands: the client copy, its PDF, and the action-plan exports."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from tests.hostile import hostile_files
from xlplan.action_export import CSV_COLUMNS, actions_csv, actions_ics
from xlplan.cli import main
from xlplan.finalize import finalize_workbook
from xlplan.safe_io import csv_text as neutralise
from xlplan.workbook import render_bytes

HOSTILE = ['=HYPERLINK("http://x","y")', "+33 6 12 34 56 78", "@foo", "-1+2", "#N/A"]


def with_addin_formula(plan, path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A workbook where the consultant used =PLAN_LTV(...) and Excel stored its value 200."""
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))
    wb.worksheets[-1]["H40"] = "=PLAN_LTV(100,0.5,0)"
    wb.create_sheet("xlwings.conf")["A1"] = "INTERPRETER"
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            for empty in (b"<v />", b"<v></v>"):
                data = data.replace(b"<f>PLAN_LTV(100,0.5,0)</f>" + empty,
                                    b"<f>PLAN_LTV(100,0.5,0)</f><v>200</v>")
            dst.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def test_client_copy_is_clean(example_plans, tmp_path):
    """No add-in formula (value kept), no consultant-only sheet, all sheets protected,
    document properties set, and the consultant's file untouched."""
    source = with_addin_formula(example_plans["boutique"], tmp_path / "consultant.xlsx")
    before = source.read_bytes()
    done = finalize_workbook(source)
    assert source.read_bytes() == before
    wb = openpyxl.load_workbook(io.BytesIO(done.data))
    assert "xlwings.conf" not in wb.sheetnames and done.removed_sheets == ["xlwings.conf"]
    assert wb.worksheets[-1]["H40"].value == 200
    formulas = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas and not any(re.search(r"PLAN_", f) for f in formulas)
    assert all(ws.protection.sheet for ws in wb.worksheets)
    assert wb.properties.title == "Boutique Lumière - 2027"
    assert wb.properties.creator == "Claire Martin"
    names = zipfile.ZipFile(io.BytesIO(done.data)).namelist()
    assert not any("vbaProject" in n or "externalLink" in n for n in names)


def test_vba_is_left_out_of_the_client_copy(example_plans, tmp_path):
    """A workbook carrying VBA gives a client copy without it, and says so."""
    vba = hostile_files(example_plans["boutique"], tmp_path)["report_vba"]
    done = finalize_workbook(vba)
    assert not any("vbaProject" in n for n in zipfile.ZipFile(io.BytesIO(done.data)).namelist())
    assert any("VBA" in note for note in done.dropped)


def test_finalize_cli_refuses_to_replace_its_input(example_plans, tmp_path):
    """The client copy never replaces the consultant's workbook."""
    source = tmp_path / "b.xlsx"
    source.write_bytes(render_bytes(example_plans["boutique"]))
    result = CliRunner().invoke(main, ["finalize", str(source), "-o", str(source), "--force"])
    assert result.exit_code == 2


@pytest.mark.libreoffice
def test_finalize_pdf(example_plans, soffice, tmp_path):
    """--pdf prints the dashboard and the action plan with LibreOffice."""
    source = tmp_path / "b.xlsx"
    source.write_bytes(render_bytes(example_plans["boutique"]))
    out = tmp_path / "client" / "boutique.xlsx"
    result = CliRunner().invoke(main, ["finalize", str(source), "-o", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(
        b"/Type/Page\n") + len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2


def test_csv_columns_and_neutralised_text(example_plans):
    """The importers' columns, ISO dates, and hostile text neutralised (OWASP)."""
    plan = example_plans["boutique"]
    actions = [a.model_copy(update={"what": text, "who": text})
               for a, text in zip(plan.actions, HOSTILE, strict=True)]
    rows = list(csv.reader(io.StringIO(actions_csv(plan.model_copy(update={"actions": actions})))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == [neutralise(t) for t in HOSTILE]
    assert rows[1][0] == "'" + HOSTILE[0] and rows[5][0] == "#N/A"
    assert rows[1][4] == "2027-03-31"
    for text in ("=1", "+1", "-1", "@a", "\tx", "\rx"):
        assert neutralise(text) == "'" + text


def test_ics_has_one_event_per_due_date(example_plans):
    """Each action with a due date is an all-day event on that date."""
    plan = example_plans["boutique"]
    calendar = Calendar.from_ical(actions_ics(plan))
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == sum(a.due is not None for a in plan.actions)
    assert {e.decoded("dtstart") for e in events} == {a.due for a in plan.actions if a.due}
    assert str(events[0]["summary"]) == plan.actions[0].what
    assert actions_ics(plan) == actions_ics(plan)


def test_actions_cli(example_plans, tmp_path):
    """`xlplan actions` writes CSV (with BOM for Excel) and ICS from a workbook."""
    source = tmp_path / "b.xlsx"
    source.write_bytes(render_bytes(example_plans["boutique"]))
    runner = CliRunner()
    assert runner.invoke(main, ["actions", str(source), "--format", "csv", "-o",
                                str(tmp_path / "a.csv")]).exit_code == 0
    assert (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbfName,")
    assert runner.invoke(main, ["actions", str(source), "--format", "ics", "-o",
                                str(tmp_path / "a.ics")]).exit_code == 0


def test_array_addin_formulas_are_frozen_too(example_plans, tmp_path):
    """A held-out workbook holding PLAN_LTV and an array PLAN_FUNDING_BALANCE (12 months, as
    Excel stores an array's results: the first in the formula cell, the others beside it):
    the client copy has no PLAN_ call left, every stored value, and no VBA; an array whose
    value was never stored is refused, its cell named."""
    from openpyxl.worksheet.formula import ArrayFormula

    def book(stored: bool) -> Path:
        wb = openpyxl.load_workbook(io.BytesIO(render_bytes(example_plans["northwind"])))
        ws = wb.worksheets[-1]
        ws["H40"] = "=PLAN_LTV(100,0.5,0)"
        ws["H41"] = ArrayFormula("H41:S41", "=PLAN_FUNDING_BALANCE(A1:D3,A5:D7,0)")
        for column in range(9, 20):
            ws.cell(41, column).value = float(column)  # the array's other stored results
        buffer = io.BytesIO()
        wb.save(buffer)
        out = io.BytesIO()
        with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
            for name in src.namelist():
                data = src.read(name)
                for empty in (b"<v />", b"<v></v>", b"<v/>"):
                    data = data.replace(b"<f>PLAN_LTV(100,0.5,0)</f>" + empty,
                                        b"<f>PLAN_LTV(100,0.5,0)</f><v>200</v>")
                    if stored:
                        data = re.sub(rb"(<f t=\"array\" ref=\"H41:S41\">[^<]*</f>)"
                                      + re.escape(empty), rb"\g<1><v>-1500.5</v>", data)
                dst.writestr(name, data)
        path = tmp_path / f"book-{stored}.xlsx"
        path.write_bytes(out.getvalue())
        return path

    done = finalize_workbook(book(stored=True))
    wb = openpyxl.load_workbook(io.BytesIO(done.data))
    ws = wb.worksheets[-1]
    assert ws["H40"].value == 200 and ws["H41"].value == -1500.5
    assert [ws.cell(41, c).value for c in range(9, 20)] == [float(c) for c in range(9, 20)]
    texts = [str(getattr(c.value, "text", c.value)) for w in wb.worksheets
             for row in w.iter_rows() for c in row if c.data_type == "f"]
    assert texts and not any("PLAN_" in t for t in texts)
    assert not any("vbaProject" in n for n in zipfile.ZipFile(io.BytesIO(done.data)).namelist())
    with pytest.raises(Exception, match="H41"):
        finalize_workbook(book(stored=False))
