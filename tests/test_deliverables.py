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


EMPTY_RESULTS = (b"<v />", b"<v></v>", b"<v/>")  # how openpyxl writes a formula's result


def with_results(wb: openpyxl.Workbook, results: dict[str, bytes], path: Path) -> Path:
    """``wb`` saved to ``path`` with a stored result for each formula (by its text, as in the
    XML), as Excel would have stored them: openpyxl writes none."""
    buffer = io.BytesIO()
    wb.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            for formula, value in results.items():
                for empty in EMPTY_RESULTS:
                    data = re.sub(rb"(<f[^>]*>" + re.escape(formula) + rb"</f>)"
                                  + re.escape(empty), rb"\g<1><v>" + value + rb"</v>", data)
            dst.writestr(name, data)
    path.write_bytes(out.getvalue())
    return path


def with_addin_formula(plan, path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A workbook where the consultant used =PLAN_LTV(...) and Excel stored its value 200."""
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(plan)))
    wb.worksheets[-1]["H40"] = "=PLAN_LTV(100,0.5,0)"
    wb.create_sheet("xlwings.conf")["A1"] = "INTERPRETER"
    return with_results(wb, {b"PLAN_LTV(100,0.5,0)": b"200"}, path)


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
        results = {b"PLAN_LTV(100,0.5,0)": b"200"}
        if stored:
            results[b"PLAN_FUNDING_BALANCE(A1:D3,A5:D7,0)"] = b"-1500.5"
        return with_results(wb, results, tmp_path / f"book-{stored}.xlsx")

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


def test_finalize_keeps_the_data_validations_excel_stores_as_extensions(example_plans,
                                                                       tmp_path):
    """A list Excel keeps as an x14 extension (a dropdown from another sheet), its xm prefix
    declared on the worksheet as Excel may: the client copy keeps it, well-formed, and the
    OOXML validator finds no error."""
    from defusedxml import ElementTree

    from xlplan.engine.ooxml import validate_package
    from xlplan.reader.guard import sheet_parts

    source = tmp_path / "consultant.xlsx"
    source.write_bytes(render_bytes(example_plans["boutique"]))
    ext = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           b'<x14:dataValidations count="1"><x14:dataValidation type="list" allowBlank="1">'
           b"<x14:formula1><xm:f>Barrier!$A$1:$A$3</xm:f></x14:formula1>"
           b"<xm:sqref>Z90</xm:sqref></x14:dataValidation></x14:dataValidations></ext>"
           b"</extLst>")
    edited = tmp_path / "edited.xlsx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(edited, "w") as dst:
        target = sheet_parts(src)["Plan d'action"]
        for name in src.namelist():
            data = src.read(name)
            if name == target:
                data = data.replace(b"<worksheet ", b'<worksheet xmlns:xm="http://schemas.'
                                    b'microsoft.com/office/excel/2006/main" ', 1)
                data = data.replace(b"</worksheet>", ext + b"</worksheet>")
            dst.writestr(name, data)
    out = tmp_path / "client.xlsx"
    out.write_bytes(finalize_workbook(edited).data)
    with zipfile.ZipFile(out) as archive:
        xml = archive.read(sheet_parts(archive)["Plan d'action"])
    root = ElementTree.fromstring(xml)  # well-formed, every prefix declared
    x14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
    (rule,) = list(root.iter(f"{x14}dataValidation"))
    xm = "{http://schemas.microsoft.com/office/excel/2006/main}"
    assert rule.find(f"{xm}sqref").text == "Z90"
    assert validate_package(out) == []
